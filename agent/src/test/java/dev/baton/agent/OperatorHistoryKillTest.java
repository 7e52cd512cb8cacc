package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Http;
import dev.baton.api.RunningAgent;
import dev.baton.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code baton history} after the agent was SIGKILLed and started again on the same state
 * directory: the operators' actions from before are still there, in order, with who (the token
 * over TCP, the Unix socket peer's user), what and when.
 */
class OperatorHistoryKillTest {
    @TempDir
    Path dir;

    private int port;

    private Path stateDir() {
        return dir.resolve("state");
    }

    private Http http() {
        return new Http("http://127.0.0.1:" + port, () -> AgentProcess.read(stateDir().resolve("api.token")).trim());
    }

    private AgentProcess startAgent() throws Exception {
        AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http().get("/healthz").status() == 200 && Files.exists(stateDir().resolve("api.sock")));
        return agent;
    }

    /** {@code baton ARGS} in this JVM, as the CLI runs. */
    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    /** Each operator action in the history: time, actor, message, program. */
    private List<String> operatorActions() throws Exception {
        List<String> found = new ArrayList<>();
        for (JsonNode e : http().get("/v1/history?limit=1000").json().path("events")) {
            if (e.path("kind").asText().equals(OperatorLog.KIND)) {
                found.add(e.path("time").asText() + " | " + e.path("actor").asText() + " | " + e.path("message").asText()
                        + " | " + e.path("program").asText());
            }
        }
        return found;
    }

    @Test
    void theOperatorsActionsSurviveAKilledAgent() throws Exception {
        port = RunningAgent.freePort();
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + stateDir() + "\"\n"
                + "shutdown_timeout = \"30s\"\n[api]\nenabled = true\nlisten = \"127.0.0.1\"\nport = " + port + "\n\n"
                + program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("idle", "[\"sleep\", \"300\"]", "autostart = false"));
        String socket = stateDir().resolve("api.sock").toString();
        String me = System.getProperty("user.name");
        List<String> before;
        try (AgentProcess first = startAgent()) {
            assertEquals(200, http().post("/v1/programs/idle/start").status());
            String[] signal = cli("signal", "CONT", "web", "--socket", socket);
            assertEquals("0", signal[0], String.join("\n", signal));
            assertEquals(200, http().post("/v1/programs/idle/stop").status());
            before = operatorActions();
            assertEquals(3, before.size(), before.toString());
            assertTrue(before.get(0).contains(" | token | token: start idle | idle"), before.toString());
            assertTrue(before.get(1).contains(" | " + me + " | " + me + ": signal SIGCONT web | web"), before.toString());
            assertTrue(before.get(2).contains(" | token | token: stop idle | idle"), before.toString());
            // The state writer saves an action a moment after the agent takes it.
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcess.read(stateDir().resolve(OperatorLog.FILE))
                    .contains("\"stop\""));
            first.sigkill();
        }
        try (AgentProcess second = startAgent()) {
            assertEquals(before, operatorActions());
            String[] history = cli("history", "-n", "1000", "--socket", socket);
            assertEquals("0", history[0], String.join("\n", history));
            assertTrue(history[1].contains(me + ": signal SIGCONT web"), history[1]);
            assertEquals(0, second.sigterm());
        }
    }
}
