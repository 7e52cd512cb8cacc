package dev.baton.config.supervisord;

import java.util.Map;

/**
 * Python's {@code str % mapping}, which is how supervisord expands every value it reads
 * ({@code options.expand}): {@code %(name)s}, {@code %(process_num)02d}, {@code %%}. Anything else
 * after a {@code %} makes supervisord refuse the whole file, and so does a name it does not know;
 * this class refuses the same texts with the same reason, so an import never succeeds where
 * supervisord would not have started.
 */
final class PercentFormat {
    /** Python's conversion characters. */
    private static final String CONVERSIONS = "diouxXeEfFgGcrsa%";
    private static final String FLAGS = "#0- +";

    private PercentFormat() {
    }

    /** Why supervisord would refuse a value. {@code missingName} is set when the cause is an unknown name. */
    static final class Refused extends Exception {
        final String missingName;

        Refused(String message, String missingName) {
            super(message);
            this.missingName = missingName;
        }
    }

    /**
     * @param values the names supervisord offers here; a value is a String or an Integer
     *               ({@code process_num} and {@code numprocs} are integers in supervisord)
     */
    static String expand(String text, Map<String, Object> values) throws Refused {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            int start = i++;
            String name = null;
            if (i < text.length() && text.charAt(i) == '(') {
                int depth = 1;
                int keyStart = ++i;
                while (i < text.length() && depth > 0) {
                    char k = text.charAt(i);
                    depth += k == '(' ? 1 : k == ')' ? -1 : 0;
                    i++;
                }
                if (depth > 0) {
                    throw new Refused("incomplete format key", null);
                }
                name = text.substring(keyStart, i - 1);
            }
            StringBuilder flags = new StringBuilder();
            while (i < text.length() && FLAGS.indexOf(text.charAt(i)) >= 0) {
                flags.append(text.charAt(i++));
            }
            int width = -1;
            int precision = -1;
            int w = i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (i > w) {
                width = Integer.parseInt(text.substring(w, Math.min(i, w + 9)));
                if (i - w > 6) {
                    throw new Refused("a field width of " + text.substring(w, i) + " characters: not a value anyone means", null);
                }
            }
            if (i < text.length() && text.charAt(i) == '*') {
                throw new Refused("* wants int (a width from the argument list, which a mapping does not have)", null);
            }
            if (i < text.length() && text.charAt(i) == '.') {
                int p = ++i;
                while (i < text.length() && Character.isDigit(text.charAt(i))) {
                    i++;
                }
                precision = i > p ? Integer.parseInt(text.substring(p, Math.min(i, p + 9))) : 0;
                if (i - p > 6) {
                    throw new Refused("a precision of " + text.substring(p, i) + " characters: not a value anyone means", null);
                }
            }
            while (i < text.length() && "hlL".indexOf(text.charAt(i)) >= 0) {
                i++; // length modifiers are accepted and ignored, as in Python
            }
            if (i >= text.length()) {
                throw new Refused("incomplete format", null);
            }
            char conversion = text.charAt(i++);
            if (CONVERSIONS.indexOf(conversion) < 0) {
                throw new Refused(String.format("unsupported format character '%c' (0x%x) at index %d",
                        conversion, (int) conversion, i - 1), null);
            }
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (name == null) {
                throw new Refused("'" + text.substring(start, i) + "' has no (name): with supervisord's table of names "
                        + "as its argument Python would insert the whole table (write %% for a literal %)", null);
            }
            if (!values.containsKey(name)) {
                throw new Refused("'%(" + name + ")' names nothing supervisord can expand here", name);
            }
            out.append(convert(values.get(name), name, conversion, flags.toString(), width, precision));
        }
        return out.toString();
    }

    private static String convert(Object value, String name, char conversion, String flags, int width, int precision)
            throws Refused {
        String body;
        switch (conversion) {
            case 's', 'r', 'a' -> {
                String s = String.valueOf(value);
                if (conversion != 's') {
                    s = value instanceof String ? "'" + s + "'" : s; // repr() of a plain string
                }
                body = precision >= 0 && precision < s.length() ? s.substring(0, precision) : s;
                return pad(body, flags.contains("-"), width, ' ');
            }
            case 'd', 'i', 'u', 'o', 'x', 'X' -> {
                if (!(value instanceof Integer n)) {
                    throw new Refused("%" + conversion + " format: a real number is required, not str (%(" + name + ")"
                            + conversion + ")", null);
                }
                long abs = Math.abs((long) n);
                String digits = switch (conversion) {
                    case 'o' -> (flags.contains("#") ? "0o" : "") + Long.toOctalString(abs);
                    case 'x' -> (flags.contains("#") ? "0x" : "") + Long.toHexString(abs);
                    case 'X' -> (flags.contains("#") ? "0X" : "") + Long.toHexString(abs).toUpperCase();
                    default -> Long.toString(abs);
                };
                while (precision > 0 && digits.length() < precision) {
                    digits = "0" + digits;
                }
                String sign = n < 0 ? "-" : flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
                if (flags.contains("0") && !flags.contains("-")) {
                    while (sign.length() + digits.length() < width) {
                        digits = "0" + digits;
                    }
                }
                return pad(sign + digits, flags.contains("-"), width, ' ');
            }
            default -> throw new Refused("%" + conversion + " format: a real number is required, not str (only %s and "
                    + "the integer formats make sense in supervisord)", null);
        }
    }

    private static String pad(String s, boolean left, int width, char with) {
        if (width <= s.length()) {
            return s;
        }
        String fill = String.valueOf(with).repeat(width - s.length());
        return left ? s + fill : fill + s;
    }
}
