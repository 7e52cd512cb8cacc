package dev.baton.config.supervisord;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code shlex}, the two ways supervisord uses it: {@link #split} is {@code shlex.split(command)}
 * in POSIX mode (how {@code command=} becomes argv: no shell ever runs), and {@link #keyValueTokens} is
 * the non-POSIX {@code shlex.shlex} lexer that {@code dict_of_key_value_pairs} runs over
 * {@code environment=} (word characters are ASCII letters, digits, {@code _/.+-():}; every other
 * character is a token of its own; {@code #} starts a comment; a quote opens a quoted token only at
 * the start of a token, which keeps its quotes and ends at the closing one; a backslash is an ordinary
 * character).
 */
final class Shlex {
    /** shlex's whitespace: exactly these four, not Java's wider notion. */
    private static final String WHITESPACE = " \t\r\n";
    private static final String EXTRA_WORD_CHARS = "_/.+-():";

    private Shlex() {
    }

    /** {@code shlex.split(s)}: words split at whitespace, quotes and backslashes removed. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean inToken = false; // a quoted empty string is a token too
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (WHITESPACE.indexOf(c) >= 0) {
                if (inToken) {
                    out.add(token.toString());
                    token.setLength(0);
                    inToken = false;
                }
                i++;
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("No closing quotation");
                }
                token.append(s, i + 1, end);
                inToken = true;
                i = end + 1;
            } else if (c == '"') {
                i = doubleQuoted(s, i + 1, token);
                inToken = true;
            } else if (c == '\\') {
                if (i + 1 >= s.length()) {
                    throw new IllegalArgumentException("No escaped character");
                }
                token.append(s.charAt(i + 1));
                inToken = true;
                i += 2;
            } else {
                token.append(c);
                inToken = true;
                i++;
            }
        }
        if (inToken) {
            out.add(token.toString());
        }
        return out;
    }

    /**
     * {@code list(shlex.shlex(s))} (posix=False) with supervisord's extra word characters: quoted
     * tokens keep their quotes ({@code dict_of_key_value_pairs} strips them from the value).
     */
    static List<String> keyValueTokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        char state = ' '; // ' ' between tokens, 'a' in a word, or the quote a quoted token opened with
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (state == ' ') {
                if (c == '#') {
                    i = afterLine(s, i);
                } else if (isWordChar(c) || c == '\'' || c == '"') {
                    token.append(c);
                    state = isWordChar(c) ? 'a' : c;
                } else if (WHITESPACE.indexOf(c) < 0) {
                    out.add(String.valueOf(c));
                }
            } else if (state == 'a') {
                if (c == '#') {
                    i = afterLine(s, i); // the word goes on with the next line, as shlex does in non-POSIX mode
                } else if (isWordChar(c) || c == '\'' || c == '"') {
                    token.append(c);
                } else {
                    out.add(token.toString());
                    token.setLength(0);
                    state = ' ';
                    if (WHITESPACE.indexOf(c) < 0) {
                        i--; // read again between tokens
                    }
                }
            } else {
                token.append(c);
                if (c == state) {
                    out.add(token.toString());
                    token.setLength(0);
                    state = ' ';
                }
            }
        }
        if (state == '\'' || state == '"') {
            throw new IllegalArgumentException("No closing quotation");
        }
        if (state == 'a') {
            out.add(token.toString());
        }
        return out;
    }

    /** shlex's readline(): the index after the next newline, or the end. */
    private static int afterLine(String s, int i) {
        int nl = s.indexOf('\n', i);
        return nl < 0 ? s.length() : nl + 1;
    }

    /** Inside double quotes a backslash escapes only {@code "} and itself. Returns the index after the closing quote. */
    private static int doubleQuoted(String s, int i, StringBuilder token) {
        while (true) {
            if (i >= s.length()) {
                throw new IllegalArgumentException("No closing quotation");
            }
            char d = s.charAt(i);
            if (d == '"') {
                return i + 1;
            }
            if (d == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                token.append(s.charAt(i + 1));
                i += 2;
            } else {
                token.append(d);
                i++;
            }
        }
    }

    /** Non-POSIX shlex's word characters (ASCII only: the Latin-1 letters are POSIX mode's) plus supervisord's. */
    private static boolean isWordChar(char c) {
        return (c < 128 && Character.isLetterOrDigit(c)) || EXTRA_WORD_CHARS.indexOf(c) >= 0;
    }

    /**
     * The first construct in {@code command} that only a shell would interpret (a pipe, a redirection,
     * {@code ;}, {@code &}, {@code $} expansion, backquotes, subshells), or null. Quoted text does not
     * count, except {@code $} and backquotes inside double quotes. supervisord never ran a shell, so
     * such text reached the program as a literal argument; the import keeps it and says so.
     */
    static String shellSyntax(String command) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (single) {
                single = c != '\'';
            } else if (c == '\\') {
                i++;
            } else if (dbl) {
                if (c == '"') {
                    dbl = false;
                } else if (c == '`' || (c == '$' && i + 1 < command.length() && isExpansionStart(command.charAt(i + 1)))) {
                    return c == '$' ? command.substring(i, Math.min(command.length(), i + 2)) : "`";
                }
            } else if (c == '\'') {
                single = true;
            } else if (c == '"') {
                dbl = true;
            } else if ("|&;<>()`".indexOf(c) >= 0) {
                return String.valueOf(c);
            } else if (c == '$' && i + 1 < command.length() && isExpansionStart(command.charAt(i + 1))) {
                return command.substring(i, i + 2);
            }
        }
        return null;
    }

    private static boolean isExpansionStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '{' || c == '(';
    }
}
