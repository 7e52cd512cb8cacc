package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent starts a program with SIGPIPE and SIGXFSZ ignored, as supervisord does (SigIgn 0x1001000), and a
 * program with ignore_sigpipe = false (systemd's IgnoreSIGPIPE=no) with SIGPIPE at its default.
 */
class IgnoreSigpipeTest {
    @TempDir
    Path dir;

    @Test
    void programsStartWithSigpipeIgnoredUnlessTheyOptOut() throws Exception {
        Path ignored = dir.resolve("ignored");
        Path optedOut = dir.resolve("opted-out");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("ignored", printSigIgn(ignored), "restart = \"never\"", "start_secs = \"0s\"")
                + program("opted-out", printSigIgn(optedOut), "restart = \"never\"", "start_secs = \"0s\"",
                        "ignore_sigpipe = false")).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("ignored.done"))
                    && Files.exists(dir.resolve("opted-out.done")));
            assertEquals("SigIgn:\t0000000001001000\n", Files.readString(ignored));
            assertEquals("SigIgn:\t0000000001000000\n", Files.readString(optedOut));
            assertEquals(0, a.stop());
        }
    }

    /** A program as an operator would write it under supervisord, a shell pipeline included. */
    private static String printSigIgn(Path out) {
        return "[\"/bin/sh\", \"-c\", \"grep ^SigIgn: /proc/self/status > " + out + " && touch " + out + ".done\"]";
    }
}
