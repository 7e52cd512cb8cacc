package dev.baton.config;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as written in the config: {@code "64KiB"}, {@code "50MB"}, {@code "1GiB"}, or a number of bytes. */
final class Sizes {
    static final String EXPECTED = "a size such as \"64KiB\", \"50MiB\" or a number of bytes";

    private static final long KIB = 1024, MIB = KIB * 1024, GIB = MIB * 1024, TIB = GIB * 1024;
    private static final Map<String, Long> UNITS = Map.of(
            "", 1L, "B", 1L,
            "KB", 1000L, "MB", 1000_000L, "GB", 1000_000_000L, "TB", 1000_000_000_000L,
            "KIB", KIB, "MIB", MIB, "GIB", GIB, "TIB", TIB);
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([A-Za-z]*)");

    private Sizes() {
    }

    /** @throws IllegalArgumentException when the text is not a size, or one too large for a long */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        Long unit = m.matches() ? UNITS.get(m.group(2).toUpperCase(Locale.ROOT)) : null;
        if (unit == null) {
            throw new IllegalArgumentException("not a size: " + text);
        }
        return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    }

    /** {@code 64KiB} for exact binary multiples, else the number of bytes. */
    static String format(long bytes) {
        long[] units = {TIB, GIB, MIB, KIB};
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % units[i] == 0) {
                return bytes / units[i] + names[i];
            }
        }
        return Long.toString(bytes);
    }
}
