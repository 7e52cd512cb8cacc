package dev.baton.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {
    @TempDir
    Path dir;

    private static String receive(UnixDatagramSocket s) throws Exception {
        byte[] b = s.receive(4096, 2000);
        assertNotNull(b, "no datagram received");
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void sendsExactDatagramsToAPathSocket() throws Exception {
        String path = dir.resolve("notify.sock").toString();
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             SdNotify n = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", path))) {
            assertTrue(n.enabled());
            assertTrue(n.ready("2 programs running; active engine: engine-1.1"));
            assertEquals("READY=1\nSTATUS=2 programs running; active engine: engine-1.1", receive(server));
            assertTrue(n.status("handover\nin progress"));
            assertEquals("STATUS=handover in progress", receive(server));
            assertTrue(n.watchdog());
            assertEquals("WATCHDOG=1", receive(server));
            assertTrue(n.stopping());
            assertEquals("STOPPING=1", receive(server));
            assertTrue(n.ready());
            assertEquals("READY=1", receive(server));
            assertNull(server.receive(4096), "one datagram per call");
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception {
        String name = "@baton-test-" + UUID.randomUUID();
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(name);
             SdNotify n = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", name))) {
            assertTrue(n.watchdog());
            assertEquals("WATCHDOG=1", receive(server));
            assertTrue(n.stopping("stopping 2 programs"));
            assertEquals("STOPPING=1\nSTATUS=stopping 2 programs", receive(server));
        }
        assertFalse(Files.exists(Path.of(name)), "abstract sockets leave no file");
    }

    @Test
    void abstractSockaddrHasLeadingNulAndNoTrailingNul() {
        byte[] sa = UnixDatagramSocket.sockaddr("@ab");
        assertEquals(2 + 3, sa.length);
        assertEquals(0, sa[2]);
        assertEquals('a', sa[3]);
        assertEquals('b', sa[4]);
        byte[] p = UnixDatagramSocket.sockaddr("/x");
        assertEquals(2 + 3, p.length);
        assertEquals('/', p[2]);
        assertEquals(0, p[4]);
    }

    @Test
    void noOpWithoutNotifySocket() {
        SdNotify n = SdNotify.fromEnvironment(Map.of());
        assertFalse(n.enabled());
        assertFalse(n.ready());
        assertFalse(n.watchdog());
        assertNull(n.lastError());
        assertFalse(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "")).enabled());
    }

    @Test
    void reportsAMissingSocketWithoutThrowing() {
        try (SdNotify n = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", dir.resolve("absent").toString()))) {
            assertTrue(n.enabled());
            assertFalse(n.ready());
            assertTrue(n.lastError().contains("No such file"), n.lastError());
        }
    }

    @Test
    void watchdogIntervalFromEnvironment() {
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(Optional.of(Duration.ofMillis(1500)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "1500000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42),
                "meant for another process");
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of(), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "x"), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), 42));
    }
}
