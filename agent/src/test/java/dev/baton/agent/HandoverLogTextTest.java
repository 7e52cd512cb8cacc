package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.handover.HandoverEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The agent's log line of a repeated handover event shows its times as every baton time does. */
class HandoverLogTextTest {
    @Test
    void aRepeatSaysHowOftenWithTimesOfThreeFractionDigits() {
        HandoverEvent e = new HandoverEvent(Instant.parse("2026-12-03T12:33:30.176004055Z"), "chainflip",
                HandoverEvent.Kind.ENGINE_ACTIVE, "cfe11", null, null, "chainflip: cfe11 (1.1.0) is active", 2,
                Instant.parse("2026-12-03T12:33:37Z"));
        assertEquals("chainflip: cfe11 (1.1.0) is active (2 times since 2026-12-03T12:33:30.176Z, last "
                + "2026-12-03T12:33:37.000Z)", HandoverCoordinator.logText(e));
    }

    @Test
    void aFirstOccurrenceIsItsMessage() {
        HandoverEvent e = new HandoverEvent(Instant.parse("2026-12-03T12:33:30.176004055Z"), "chainflip",
                HandoverEvent.Kind.ENGINE_ACTIVE, "cfe11", null, null, "chainflip: cfe11 (1.1.0) is active");
        assertEquals("chainflip: cfe11 (1.1.0) is active", HandoverCoordinator.logText(e));
    }
}
