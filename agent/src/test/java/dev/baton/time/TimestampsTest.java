package dev.baton.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void anExactSecondKeepsItsMilliseconds() {
        Instant exact = Instant.parse("2026-12-02T09:13:00Z");
        assertEquals("2026-12-02T09:13:00Z", exact.toString(), "what Instant.toString() does, and why this class exists");
        assertEquals("2026-12-02T09:13:00.000Z", Timestamps.format(exact));
        assertEquals("2026-12-02T09:13:00.000Z", Timestamps.formatMillis(exact.toEpochMilli()));
    }

    @Test
    void finerTimesAreCutToMillisecondsNeverRoundedUp() {
        assertEquals("2026-12-02T09:13:00.999Z", Timestamps.format(Instant.parse("2026-12-02T09:13:00.999999999Z")));
        assertEquals("1970-01-01T00:00:00.000Z", Timestamps.formatMillis(0));
        assertNull(Timestamps.format(null));
    }
}
