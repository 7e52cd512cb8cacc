package dev.baton.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in the config: {@code "500ms"}, {@code "10s"}, {@code "2m"}, {@code "1h"}, {@code "1m30s"}. */
public final class Durations {
    static final String EXPECTED = "a duration such as \"10s\" or \"500ms\"";

    // "ms" before "m" so that 5ms is not read as 5 minutes followed by garbage
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|h|m|s)");

    private Durations() {
    }

    /** @throws IllegalArgumentException when the text is not a duration */
    static Duration parse(String text) {
        String t = text.strip();
        Matcher part = PART.matcher(t);
        Set<String> units = new HashSet<>();
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < t.length()) {
            if (!part.find(at) || part.start() != at || !units.add(part.group(2))) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
            long n = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            at = part.end();
        }
        if (units.isEmpty()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        return total;
    }

    /** The shortest spelling that {@link #parse} reads back: {@code 1m30s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        append(out, d.toHours(), "h");
        append(out, d.toMinutesPart(), "m");
        append(out, d.toSecondsPart(), "s");
        append(out, d.toMillisPart(), "ms");
        return out.toString();
    }

    private static void append(StringBuilder out, long n, String unit) {
        if (n > 0) {
            out.append(n).append(unit);
        }
    }
}
