package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static dev.baton.agent.Scripts.quote;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child writing 200 MB as fast as it can gets through even when nobody reads the agent's stdout (a
 * stalled log shipper): it is held back only for the stall timeout, then stdout's lines are dropped;
 * the agent's memory stays bounded.
 */
class FloodTest {
    @TempDir
    Path dir;

    @Test
    void aFloodingChildGetsThroughAStalledAgentStdout() throws Exception {
        Path done = dir.resolve("done");
        Path flood = Scripts.write(dir, "flood.sh",
                "head -c 200000000 /dev/zero | tr '\\000' 'x' | fold -w 199\ntouch " + done + "\nexec sleep 300");
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "log_mode = \"raw\"\nlog_stall_timeout = \"1s\"\n[api]\nenabled = false\n\n" + program("flood", quote(flood), "start_secs = \"0s\""));
        // stdout is a pipe this test never reads: after 64 KiB every write to it would block.
        try (AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"), ProcessBuilder.Redirect.PIPE)) {
            AtomicLong maxRss = new AtomicLong();
            // Samples the agent's RSS while waiting for the child to finish its 200 MB.
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
                maxRss.accumulateAndGet(rssKb(agent.pid()), Math::max);
                return Files.exists(done);
            });
            long maxRssKb = maxRss.get();
            // -Xmx64m heap plus JVM overhead; a leak or an unbounded buffer would blow far past this.
            assertTrue(maxRssKb < 300_000, "agent RSS peaked at " + maxRssKb + " kB");
            System.out.println("flood: agent peak RSS " + maxRssKb + " kB");
        }
    }

    static long rssKb(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> l.replaceAll("\\D", ""))
                    .mapToLong(Long::parseLong).findFirst().orElse(0);
        } catch (Exception e) {
            return 0;
        }
    }
}
