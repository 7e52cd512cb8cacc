package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent does not start an engine while a copy of its executable runs outside baton (the
 * slashing case: an engine package's own unit still running), and says why; a program with
 * allow_external_copies = true starts at once.
 */
class ExternalCopyHoldTest {
    @TempDir
    Path dir;

    @Test
    void anEngineIsHeldWhileACopyRunsOutsideBaton() throws Exception {
        Path exe = Files.copy(Path.of("/bin/sleep").toRealPath(), dir.resolve("chainflip-engine1.3"),
                StandardCopyOption.COPY_ATTRIBUTES);
        // The copy is started before this JVM becomes the agent (a child subreaper), and double-forked:
        // it belongs to no baton agent, like a unit systemd started.
        Process sh = new ProcessBuilder("/bin/sh", "-c", "'" + exe + "' 600 >/dev/null 2>&1 & echo $!").start();
        int copy = Integer.parseInt(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        sh.waitFor();
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("engine", "[\"" + exe + "\", \"300\"]", "engine_group = \"chainflip\"", "start_secs = \"0s\"")
                + program("allowed", "[\"" + exe + "\", \"301\"]", "engine_group = \"other\"",
                        "allow_external_copies = true", "start_secs = \"0s\"")
                + "[groups.other]\nprofile = \"chainflip\"\n").start()) {
            ProgramStatus allowed = a.awaitState("allowed", ProcessState.RUNNING);
            assertTrue(allowed.pid() > 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("engine").hold() != null);
            ProgramStatus held = a.status("engine");
            assertEquals(ProcessState.STOPPED, held.state());
            assertTrue(held.hold() != null && held.hold().contains("pid " + copy + " runs"), String.valueOf(held.hold()));
            assertTrue(held.hold().contains("allow_external_copies = true"), held.hold());
            assertEquals(0, a.stop());
        } finally {
            Os.kill(copy, Signals.SIGKILL);
        }
    }
}
