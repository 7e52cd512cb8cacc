package dev.baton.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words the way a POSIX shell would (blanks separate words; 'single'
 * quotes are literal; "double" quotes and backslashes escape), without running a shell. It also
 * notes the first construct that only a shell would act on (pipes, redirections, expansions...),
 * since without a shell such text would silently become a literal argument.
 */
final class ShellWords {
    /**
     * @param words      the argv
     * @param needsShell the first shell-only construct, such as {@code |} or {@code $HOME}; null when none
     */
    record Split(List<String> words, String needsShell) {
    }

    private final String line;
    private int pos;
    private String needsShell;

    private ShellWords(String line) {
        this.line = line;
    }

    /** @throws IllegalArgumentException on an unclosed quote or a trailing backslash */
    static Split split(String line) {
        ShellWords splitter = new ShellWords(line);
        return new Split(splitter.words(), splitter.needsShell);
    }

    private List<String> words() {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        while (pos < line.length()) {
            char c = line.charAt(pos);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                pos++;
                continue;
            }
            note(unquotedShellOnly(inWord));
            if (c == '\'') {
                singleQuoted(word);
            } else if (c == '"') {
                doubleQuoted(word);
            } else if (c == '\\') {
                if (pos + 1 >= line.length()) {
                    throw new IllegalArgumentException("ends with a lone backslash");
                }
                if (line.charAt(pos + 1) != '\n') { // backslash-newline continues the line
                    word.append(line.charAt(pos + 1));
                }
                pos += 2;
            } else {
                word.append(c);
                pos++;
            }
            inWord = true;
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private void singleQuoted(StringBuilder word) {
        int close = line.indexOf('\'', pos + 1);
        if (close < 0) {
            throw new IllegalArgumentException("has a ' quote that is never closed");
        }
        word.append(line, pos + 1, close);
        pos = close + 1;
    }

    private void doubleQuoted(StringBuilder word) {
        pos++;
        while (pos < line.length()) {
            char c = line.charAt(pos);
            if (c == '"') {
                pos++;
                return;
            }
            if (c == '\\' && pos + 1 < line.length() && "$`\"\\\n".indexOf(line.charAt(pos + 1)) >= 0) {
                if (line.charAt(pos + 1) != '\n') {
                    word.append(line.charAt(pos + 1));
                }
                pos += 2;
                continue;
            }
            note(expansion());
            word.append(c);
            pos++;
        }
        throw new IllegalArgumentException("has a \" quote that is never closed");
    }

    /** Outside quotes: operators, redirections, globs, expansions, and a comment or ~ starting a word. */
    private String unquotedShellOnly(boolean inWord) {
        char c = line.charAt(pos);
        if ((c == '&' || c == '|') && pos + 1 < line.length() && line.charAt(pos + 1) == c) {
            return c + "" + c;
        }
        if ("|&;<>*".indexOf(c) >= 0 || !inWord && (c == '#' || c == '~')) {
            return String.valueOf(c);
        }
        return expansion();
    }

    /** Inside double quotes too: {@code $(...)}, {@code `...`}, {@code ${...}}, {@code $NAME}. */
    private String expansion() {
        char c = line.charAt(pos);
        if (c == '`') {
            return "`";
        }
        if (c != '$' || pos + 1 >= line.length()) {
            return null;
        }
        char next = line.charAt(pos + 1);
        if (next == '(' || next == '{') {
            return "$" + next;
        }
        int end = pos + 1;
        while (end < line.length() && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_')) {
            end++;
        }
        return end > pos + 1 && !Character.isDigit(next) ? line.substring(pos, end) : null;
    }

    private void note(String construct) {
        if (needsShell == null) {
            needsShell = construct;
        }
    }
}
