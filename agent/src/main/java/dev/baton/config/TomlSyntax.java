package dev.baton.config;

import java.util.List;
import java.util.regex.Pattern;

/** How keys, key paths and strings are spelled in TOML: for messages and for {@link EffectiveConfig}. */
final class TomlSyntax {
    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private TomlSyntax() {
    }

    /** A key as TOML needs it written: bare when it can be, quoted otherwise ({@code "engine1.0"}). */
    static String key(String key) {
        return BARE_KEY.matcher(key).matches() ? key : string(key);
    }

    /**
     * A key path for people: {@code programs."engine1.0".stop_timeout}; array elements are segments
     * such as {@code [2]} and follow their array without a dot ({@code profiles[2].name}).
     */
    static String path(List<String> parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (isIndex(part)) {
                out.append(part);
            } else {
                out.append(out.length() == 0 ? "" : ".").append(key(part));
            }
        }
        return out.toString();
    }

    /** The segment naming the n-th element of an array of tables. */
    static String index(int n) {
        return "[" + n + "]";
    }

    static boolean isIndex(String part) {
        return part.length() > 2 && part.charAt(0) == '[' && part.charAt(part.length() - 1) == ']'
                && part.substring(1, part.length() - 1).chars().allMatch(Character::isDigit);
    }

    /** A TOML basic string with every character that needs it escaped. */
    static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
