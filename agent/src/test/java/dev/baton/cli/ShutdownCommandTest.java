package dev.baton.cli;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.api.RunningAgent;
import dev.baton.process.ProcessState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code baton shutdown}, alone in its class: two agents in one JVM share its children (one
 * reaps the other's), so no other agent runs beside this one.
 */
class ShutdownCommandTest {
    @Test
    void shutdownStopsTheProgramsAndTheAgent(@TempDir Path own) throws Exception {
        try (RunningAgent other = new RunningAgent(own)) {
            other.config(program("sleeper", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            int pid = other.awaitState("sleeper", ProcessState.RUNNING).pid();
            StringWriter out = new StringWriter();
            CommandLine cmd = new CommandLine(new Main());
            cmd.setOut(new PrintWriter(out, true));
            int code = cmd.execute("shutdown", "--url", other.url(), "--token-file", other.tokenFile().toString());
            assertEquals(0, code, out.toString());
            assertTrue(out.toString().contains("shutting down"), out.toString());
            await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try {
                    other.http().get("/healthz");
                    return false;
                } catch (Exception e) {
                    return true;
                }
            });
        }
    }

}
