package dev.baton.time;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one format of every timestamp baton shows (agent log lines, the API, the fleet inventory):
 * UTC with exactly three fraction digits, {@code 2026-12-02T09:13:00.000Z}. {@link Instant#toString()}
 * drops the fraction when it is zero (one time in a thousand at millisecond resolution) and prints
 * six or nine digits when there are more, so scripts that parse a fixed width broke on it.
 */
public final class Timestamps {
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** The instant, cut to milliseconds (not rounded: a time never moves forward); null stays null. */
    public static String format(Instant t) {
        return t == null ? null : MILLIS.format(t);
    }

    public static String formatMillis(long epochMillis) {
        return MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }
}
