package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.os.Os;
import dev.baton.process.os.ProcessTable;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 restart cycles: no fd leak (pipes, /proc reads), no zombie. */
class RestartCyclesTest {
    @TempDir
    Path dir;

    static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    @Timeout(900)
    void tenThousandRestartsKeepTheOpenFdCountConstant() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(program("blink", "[\"/bin/true\"]",
                "restart = \"always\"", "start_secs = \"0s\"", "start_retries = \"forever\"",
                "backoff = { initial = \"0s\", max = \"0s\", jitter = 0.0 }", "log = { ring_lines = 10 }")).start()) {
            await().atMost(Duration.ofMinutes(2)).until(() -> a.status("blink") != null && a.status("blink").restarts() >= 100);
            int baseline = openFds();
            await().atMost(Duration.ofMinutes(14)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> a.status("blink").restarts() >= 10_000);
            a.stop();
            int after = openFds();
            System.out.println("restart cycles: fds at 100 restarts " + baseline + ", after 10,000 and stop " + after);
            assertTrue(after <= baseline + 2, "fd count grew from " + baseline + " to " + after);
            assertTrue(ProcessTable.zombieChildrenOf(Os.pid()).isEmpty());
        }
    }
}
