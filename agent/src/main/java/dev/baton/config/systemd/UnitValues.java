package dev.baton.config.systemd;

import dev.baton.process.os.ResourceLimit;
import dev.baton.process.os.Signals;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** systemd's value syntaxes that the import needs: time spans, booleans, signals, resource limits. */
final class UnitValues {
    /** Longest duration baton takes (24h); systemd's "infinity" becomes this. */
    static final long MAX_MS = 24L * 3600 * 1000;
    private static final Pattern SPAN_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Zµ]*)");
    private static final Map<String, Double> SPAN_UNITS_MS = Map.ofEntries(
            Map.entry("us", 0.001), Map.entry("usec", 0.001), Map.entry("µs", 0.001),
            Map.entry("ms", 1.0), Map.entry("msec", 1.0),
            Map.entry("", 1000.0), Map.entry("s", 1000.0), Map.entry("sec", 1000.0), Map.entry("second", 1000.0),
            Map.entry("seconds", 1000.0),
            Map.entry("m", 60_000.0), Map.entry("min", 60_000.0), Map.entry("minute", 60_000.0), Map.entry("minutes", 60_000.0),
            Map.entry("h", 3_600_000.0), Map.entry("hr", 3_600_000.0), Map.entry("hour", 3_600_000.0), Map.entry("hours", 3_600_000.0),
            Map.entry("d", 86_400_000.0), Map.entry("day", 86_400_000.0), Map.entry("days", 86_400_000.0),
            Map.entry("w", 604_800_000.0), Map.entry("week", 604_800_000.0), Map.entry("weeks", 604_800_000.0));

    private UnitValues() {
    }

    /** A time span in milliseconds ("90", "5min", "1h 30min", "100ms"); -1 for "infinity"; null when unreadable. */
    static Long spanMillis(String value) {
        String v = value.strip();
        if (v.equals("infinity")) {
            return -1L;
        }
        if (v.isEmpty()) {
            return null;
        }
        Matcher m = SPAN_PART.matcher(v);
        double total = 0;
        int at = 0;
        while (at < v.length()) {
            if (Character.isWhitespace(v.charAt(at))) {
                at++;
                continue;
            }
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            Double unit = SPAN_UNITS_MS.get(m.group(2));
            if (unit == null) {
                return null;
            }
            total += Double.parseDouble(m.group(1)) * unit;
            at = m.end();
        }
        return Math.round(total);
    }

    /** A duration as baton writes it: "90s" or "100ms", capped at 24h. */
    static String duration(long millis) {
        long ms = millis < 0 ? MAX_MS : Math.min(millis, MAX_MS);
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** parse_boolean; null when unreadable. */
    static Boolean bool(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "yes", "y", "true", "t", "on" -> true;
            case "0", "no", "n", "false", "f", "off" -> false;
            default -> null;
        };
    }

    /** A signal as baton names it ("INT"), or null. */
    static String signal(String value) {
        try {
            return Signals.name(Signals.parse(value.strip())).substring(3);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** LimitX=: "N", "infinity", "SOFT:HARD"; bytes may carry K, M, G, T (powers of 1024). Null when unreadable. */
    static ResourceLimit limit(String resource, String value, boolean bytes) {
        String[] parts = value.strip().split(":", -1);
        if (parts.length > 2) {
            return null;
        }
        Long soft = limitPart(parts[0], bytes);
        Long hard = parts.length == 2 ? limitPart(parts[1], bytes) : soft;
        if (soft == null || hard == null) {
            return null;
        }
        return new ResourceLimit(resource, soft, hard);
    }

    private static Long limitPart(String text, boolean bytes) {
        String t = text.strip();
        if (t.equals("infinity")) {
            return ResourceLimit.UNLIMITED;
        }
        long factor = 1;
        if (bytes && !t.isEmpty()) {
            int unit = "KMGTPE".indexOf(Character.toUpperCase(t.charAt(t.length() - 1)));
            if (unit >= 0) {
                factor = 1L << (10 * (unit + 1));
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), factor);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }
}
