package dev.baton.sim;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SimOptionsTest {

    @Test
    void parsesEveryOption() {
        SimOptions o = SimOptions.parse(new String[] {"--version", "1.1.0", "--release-file=/tmp/r", "--block-time", "6s",
                "--health-port", "5555", "--sync-blocks=3", "--name", "engine-b"});
        assertEquals("1.1.0", o.version().toString());
        assertEquals(Path.of("/tmp/r"), o.releaseFile());
        assertEquals(Duration.ofSeconds(6), o.blockTime());
        assertEquals(5555, o.healthPort());
        assertEquals(3, o.syncBlocks());
        assertEquals("engine-b", o.name());
        SimOptions defaults = SimOptions.parse(new String[] {"--version", "v1.0", "--release-file", "r"});
        assertEquals(Duration.ofMillis(500), defaults.blockTime());
        assertEquals(0, defaults.healthPort());
    }

    @Test
    void durationsAndRustDebug() {
        assertEquals(Duration.ofMillis(250), SimOptions.duration("250ms"));
        assertEquals(Duration.ofMillis(1500), SimOptions.duration("1.5s"));
        assertEquals(Duration.ofMillis(20), SimOptions.duration("20"));
        assertEquals("6s", EngineLines.rustDebug(Duration.ofSeconds(6)));
        assertEquals("500ms", EngineLines.rustDebug(Duration.ofMillis(500)));
        assertEquals("1.5s", EngineLines.rustDebug(Duration.ofMillis(1500)));
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(new String[] {"--version", "1.1.0"}));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(new String[] {"--version", "x", "--release-file", "r"}));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(new String[] {"--colour", "red"}));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(new String[] {"--version"}));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.duration("0ms"));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.duration("soon"));
        assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(new String[] {"--version", "1.0.0",
                "--release-file", "r", "--health-port", "70000"}));
    }
}
