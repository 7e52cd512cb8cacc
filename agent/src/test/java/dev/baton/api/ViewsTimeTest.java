package dev.baton.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.control.HandoverRecord;
import dev.baton.logs.LogLine;
import dev.baton.logs.StreamKind;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API times carry milliseconds even at an exact second: log lines and handover events. */
class ViewsTimeTest {
    private static final Instant EXACT = Instant.parse("2026-12-02T09:13:00Z");

    @Test
    void logLinesAndHandoverEventsAtAnExactSecond() {
        assertEquals("2026-12-02T09:13:00.000Z",
                Views.line(new LogLine(1, EXACT.toEpochMilli(), StreamKind.STDOUT, "x")).time());
        assertEquals("2026-12-02T09:13:00.000Z", Views.history(List.of(
                new HandoverRecord(EXACT, "chainflip", "HANDOVER", "cfe-1-1", "idled", 1, EXACT, null))).events().get(0).time());
    }
}
