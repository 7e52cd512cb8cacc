package dev.baton.config.supervisord;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code shlex} in POSIX mode, the two ways supervisord uses it: {@link #split} is
 * {@code shlex.split(command)} (how {@code command=} becomes argv: no shell ever runs), and
 * {@link #keyValueTokens} is the {@code shlex.shlex} lexer that {@code dict_of_key_value_pairs} runs
 * over {@code environment=} (word characters are letters, digits, {@code _/.+-():}; every other
 * character is a token of its own; {@code #} starts a comment).
 */
final class Shlex {
    /** shlex's whitespace: exactly these four, not Java's wider notion. */
    private static final String WHITESPACE = " \t\r\n";
    private static final String EXTRA_WORD_CHARS = "_/.+-():";

    private Shlex() {
    }

    /** {@code shlex.split(s)}: words split at whitespace, quotes and backslashes removed. */
    static List<String> split(String s) {
        return lex(s, true);
    }

    /** {@code list(shlex.shlex(s, posix=True))} with supervisord's extra word characters. */
    static List<String> keyValueTokens(String s) {
        return lex(s, false);
    }

    /**
     * shlex.read_token, POSIX mode. {@code whitespaceSplit}: only whitespace ends a word (split);
     * otherwise a character that is not a word character ends it and is a token of its own.
     */
    private static List<String> lex(String s, boolean whitespaceSplit) {
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
            } else if (!whitespaceSplit && c == '#') {
                // a comment runs to the end of the line
                int nl = s.indexOf('\n', i);
                i = nl < 0 ? s.length() : nl;
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
            } else if (whitespaceSplit || isWordChar(c)) {
                token.append(c);
                inToken = true;
                i++;
            } else {
                if (inToken) {
                    out.add(token.toString());
                    token.setLength(0);
                    inToken = false;
                }
                out.add(String.valueOf(c));
                i++;
            }
        }
        if (inToken) {
            out.add(token.toString());
        }
        return out;
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

    private static boolean isWordChar(char c) {
        return (c < 128 && Character.isLetterOrDigit(c)) || EXTRA_WORD_CHARS.indexOf(c) >= 0
                || (c >= 0xC0 && c != 0xD7 && c != 0xF7 && c <= 0xFF); // shlex's Latin-1 letters
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
