package dev.baton.config.supervisord;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code shlex.split} (POSIX mode, no comments), which supervisord uses on {@code command}. */
final class Shlex {
    private Shlex() {
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("no closing quotation (')");
                }
                word.append(s, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (true) {
                    if (i >= s.length()) {
                        throw new IllegalArgumentException("no closing quotation (\")");
                    }
                    char d = s.charAt(i);
                    if (d == '"') {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                        word.append(s.charAt(i + 1));
                        i += 2;
                    } else {
                        word.append(d);
                        i++;
                    }
                }
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= s.length()) {
                    throw new IllegalArgumentException("no escaped character");
                }
                word.append(s.charAt(i + 1));
                inWord = true;
                i += 2;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    /**
     * The first shell construct in {@code s} that only a shell would interpret (a pipe, a
     * redirection, {@code ;}, {@code &}, {@code $} expansion, backquotes, subshells), or null.
     * Quoted text does not count, except {@code $} and backquotes inside double quotes.
     */
    static String shellSyntax(String s) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (single) {
                single = c != '\'';
            } else if (c == '\\') {
                i++;
            } else if (dbl) {
                if (c == '"') {
                    dbl = false;
                } else if (c == '`' || (c == '$' && i + 1 < s.length() && isExpansionStart(s.charAt(i + 1)))) {
                    return c == '$' ? s.substring(i, Math.min(s.length(), i + 2)) : "`";
                }
            } else if (c == '\'') {
                single = true;
            } else if (c == '"') {
                dbl = true;
            } else if ("|&;<>()`".indexOf(c) >= 0) {
                return String.valueOf(c);
            } else if (c == '$' && i + 1 < s.length() && isExpansionStart(s.charAt(i + 1))) {
                return s.substring(i, i + 2);
            }
        }
        return null;
    }

    private static boolean isExpansionStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '{' || c == '(';
    }
}
