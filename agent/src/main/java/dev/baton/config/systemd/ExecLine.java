package dev.baton.config.systemd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@code Exec*=} command line as systemd reads it (systemd.service(5), "Command lines"): optional
 * prefixes ({@code @ - : + !}), then words split at blanks with single or double quotes and C escapes
 * removed, a lone {@code ;} separating commands; at exec time {@code ${NAME}} is replaced by the
 * variable's value as part of its word, {@code $NAME} standing alone as a word becomes the value split
 * at blanks with its quotes removed (zero or more words), {@code $$} is a {@code $}. No shell is involved.
 */
final class ExecLine {
    private static final String BLANKS = " \t\n\r";

    /** A line systemd cannot read (it logs the reason and ignores the line). */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    /**
     * One command of the line.
     *
     * @param prefixes the prefix characters, e.g. "-" or "+@"
     * @param words    the words before variable substitution: the executable, then (with '@' the
     *                 argv[0] to show, then) the arguments
     */
    record Command(String prefixes, List<String> words) {
        boolean has(char prefix) {
            return prefixes.indexOf(prefix) >= 0;
        }
    }

    private ExecLine() {
    }

    static List<Command> parse(String line) throws Invalid {
        List<Command> out = new ArrayList<>();
        List<String> words = split(line);
        int i = 0;
        while (i < words.size()) {
            String first = words.get(i);
            int p = 0;
            while (p < first.length() && "@-:+!".indexOf(first.charAt(p)) >= 0) {
                p++;
            }
            List<String> cmd = new ArrayList<>();
            String exe = first.substring(p);
            if (!exe.isEmpty()) {
                cmd.add(exe);
            }
            i++;
            while (i < words.size() && !words.get(i).equals(";")) {
                String w = words.get(i++);
                cmd.add(w.equals("\\;") ? ";" : w);
            }
            i++; // the separator
            if (cmd.isEmpty()) {
                throw new Invalid("Empty path in command line");
            }
            out.add(new Command(first.substring(0, p), List.copyOf(cmd)));
        }
        return out;
    }

    /** extract_first_word with unquoting and C unescaping, over the whole line. */
    static List<String> split(String s) throws Invalid {
        return words(s, true);
    }

    /**
     * The words a standalone {@code $NAME} becomes: its value split at blanks with quotes removed and a
     * backslash taking the next character as it is (systemd's EXTRACT_UNQUOTE|EXTRACT_RELAX, no C
     * escapes), so {@code NAME=--name "Ali Node"} gives two words, the second {@code Ali Node}.
     */
    static List<String> splitValue(String value) {
        try {
            return words(value, false);
        } catch (Invalid cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
    }

    /** {@code line}: an Exec line (C escapes, unbalanced quotes refused) or a variable's value (relaxed). */
    private static List<String> words(String s, boolean line) throws Invalid {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == 0 && BLANKS.indexOf(c) >= 0) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\\') {
                if (i + 1 >= s.length()) {
                    if (!line) {
                        w.append(c); // relaxed: a trailing backslash stays
                        continue;
                    }
                    throw new Invalid("Trailing backslash in '" + s + "'");
                }
                if (line) {
                    i = unescape(s, i + 1, w);
                } else {
                    w.append(s.charAt(++i));
                }
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else {
                w.append(c);
            }
        }
        if (quote != 0 && line) {
            throw new Invalid("Unbalanced quoting in '" + s + "'");
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }

    /** cunescape_one, relaxed: an unknown escape keeps its backslash. Returns the index of the last character used. */
    private static int unescape(String s, int i, StringBuilder w) {
        char c = s.charAt(i);
        switch (c) {
            case 'a' -> w.append('\u0007');
            case 'b' -> w.append('\b');
            case 'f' -> w.append('\f');
            case 'n' -> w.append('\n');
            case 'r' -> w.append('\r');
            case 't' -> w.append('\t');
            case 'v' -> w.append('\u000b');
            case 's' -> w.append(' ');
            case '\\', '"', '\'' -> w.append(c);
            case 'x' -> {
                if (i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
                    w.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    return i + 2;
                }
                w.append('\\').append(c);
            }
            default -> {
                if (c >= '0' && c <= '7' && i + 2 < s.length() && isOctal(s.charAt(i + 1)) && isOctal(s.charAt(i + 2))) {
                    w.append((char) Integer.parseInt(s.substring(i, i + 3), 8));
                    return i + 2;
                }
                w.append('\\').append(c);
            }
        }
        return i;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    /**
     * replace_env_argv: the words after substituting the unit's variables. {@code missing} collects the
     * names used but not defined (systemd substitutes nothing for them).
     */
    static List<String> substitute(List<String> words, Map<String, String> env, List<String> missing) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (w.length() > 1 && w.charAt(0) == '$' && isName(w.substring(1))) {
                String value = env.get(w.substring(1));
                if (value == null) {
                    missing.add(w.substring(1));
                    continue;
                }
                out.addAll(splitValue(value));
            } else {
                out.add(replace(w, env, missing));
            }
        }
        return out;
    }

    /** {@code ${NAME}} (also {@code ${NAME:-default}} and {@code ${NAME:+alternative}}) and {@code $$} inside a word. */
    static String replace(String w, Map<String, String> env, List<String> missing) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (c == '$' && i + 1 < w.length() && w.charAt(i + 1) == '$') {
                out.append('$');
                i++;
            } else if (c == '$' && i + 1 < w.length() && w.charAt(i + 1) == '{' && w.indexOf('}', i) > 0) {
                int end = w.indexOf('}', i);
                String expr = w.substring(i + 2, end);
                int op = expr.indexOf(':');
                String name = op < 0 ? expr : expr.substring(0, op);
                String value = env.get(name);
                if (op >= 0 && expr.length() > op + 1 && (expr.charAt(op + 1) == '-' || expr.charAt(op + 1) == '+')) {
                    boolean set = value != null && !value.isEmpty();
                    String alt = expr.substring(op + 2);
                    value = expr.charAt(op + 1) == '-' ? (set ? value : alt) : (set ? alt : "");
                } else if (value == null) {
                    missing.add(name);
                    value = "";
                }
                out.append(value);
                i = end;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static boolean isName(String s) {
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '_' || (c < 128 && Character.isLetterOrDigit(c)))) {
                return false;
            }
        }
        return true;
    }
}
