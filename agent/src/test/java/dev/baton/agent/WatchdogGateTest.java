package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.EventLoop;
import dev.baton.systemd.SdNotify;
import dev.baton.systemd.UnixDatagramSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * With a cluster, WATCHDOG=1 goes out only while the cluster thread (which runs the fencing timers)
 * has run within the ping interval: a stalled cluster thread lets systemd kill the agent.
 */
class WatchdogGateTest {
    @Test
    void pingsOnlyWhileTheClusterHeartbeatIsFresh() throws Exception {
        String name = "@baton-watchdog-" + UUID.randomUUID();
        AtomicReference<Duration> heartbeat = new AtomicReference<>(Duration.ofMillis(10));
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(name);
             SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", name));
             EventLoop loop = new EventLoop()) {
            SystemdNotifier notifier = new SystemdNotifier(notify, List::of, List::of);
            notifier.heartbeat(heartbeat::get);
            loop.post(() -> notifier.watchdog(loop, Duration.ofMillis(400))); // a ping every 200 ms
            assertEquals("WATCHDOG=1", receive(systemd, 1000));
            assertEquals("WATCHDOG=1", receive(systemd, 1000));

            heartbeat.set(Duration.ofMillis(250)); // the cluster thread stalled for longer than a ping interval
            Thread.sleep(250); // let a ping that was already under way arrive
            while (systemd.receive(4096) != null) {
                // drain
            }
            assertNull(systemd.receive(4096, 700), "no ping while the cluster thread is stalled");

            heartbeat.set(Duration.ofMillis(5));
            assertEquals("WATCHDOG=1", receive(systemd, 1000), "pings again once it runs");

            heartbeat.set(null); // no cluster (or closed): the loop alone decides
            assertEquals("WATCHDOG=1", receive(systemd, 1000));
        }
    }

    private static String receive(UnixDatagramSocket s, int millis) throws Exception {
        byte[] b = s.receive(4096, millis);
        assertTrue(b != null, "no datagram within " + millis + " ms");
        return new String(b, StandardCharsets.UTF_8);
    }
}
