package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void parsesNamesAndNumbers() {
        assertEquals(15, Signals.parse("TERM"));
        assertEquals(15, Signals.parse("sigterm"));
        assertEquals(9, Signals.parse("9"));
        assertEquals("SIGUSR1", Signals.name(10));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("TERMINATE"));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("99999999999"));
    }

    @Test
    void decodesWaitStatus() {
        assertEquals(ExitStatus.exited(4), ExitStatus.fromWaitStatus(4 << 8));
        assertEquals(ExitStatus.killed(9), ExitStatus.fromWaitStatus(9));
        assertEquals(137, ExitStatus.killed(9).shellCode());
    }
}
