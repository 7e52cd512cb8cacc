package dev.baton.cli;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.Http;
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
 * {@code all} through the API and the CLI leaves an engine the handover holds alone and says why;
 * a start by name is an override the history shows. The held engine: a 1.4+ runner that says
 * "You need to update your CFE" and exits 0 (its real line and exit code).
 */
class HeldEngineActionsTest {
    @TempDir
    Path dir;

    @Test
    void allSkipsTheHeldEngineAndSaysWhy() throws Exception {
        try (RunningAgent agent = new RunningAgent(dir)) {
            String runner = agent.script("runner.sh", "echo 'You need to update your CFE. The current version of the CFE you"
                    + " are running is not compatible with the latest runtime update.'; exit 0");
            agent.config("[groups.runner]\nprofile = \"chainflip\"\n\n" + program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                    + program("cfe", runner, "start_secs = \"0s\"", "engine_group = \"runner\"", "restart = \"always\"")).start();
            agent.awaitState("cfe", ProcessState.EXITED);
            Http http = agent.http();

            JsonNode started = http.post("/v1/programs/all/start").json();
            assertTrue(started.path("ok").asBoolean(), started.toString());
            assertEquals(1, started.path("skipped").size(), started.toString());
            assertEquals("cfe", started.path("skipped").get(0).path("program").asText());
            assertTrue(started.path("skipped").get(0).path("reason").asText().startsWith("held by the runner handover (cfe must not"
                    + " be restarted: \"You need to update your CFE."), started.toString());

            StringWriter out = new StringWriter();
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(new PrintWriter(out, true));
            int code = cli.execute("restart", "all", "--url", agent.url(), "--token-file", agent.tokenFile().toString());
            assertEquals(0, code, out.toString());
            assertTrue(out.toString().contains("cfe: skipped, held by the runner handover (cfe must not be restarted"), out.toString());
            assertTrue(out.toString().contains("'baton start cfe' starts it anyway"), out.toString());
            assertEquals(ProcessState.EXITED, agent.agent().statusByName().get("cfe").state());
            assertEquals(0, agent.agent().statusByName().get("cfe").restarts());

            // By name: an override, in the history; it says it again and is held again.
            assertTrue(http.post("/v1/programs/cfe/start").json().path("ok").asBoolean());
            await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/history").json().path("events").toString()
                    .contains("OPERATOR_OVERRIDE"));
            agent.awaitState("cfe", ProcessState.EXITED);
            JsonNode history = http.get("/v1/history").json().path("events");
            JsonNode held = null;
            for (JsonNode e : history) {
                if (e.path("kind").asText().equals("DO_NOT_RESTART")) {
                    held = e;
                }
            }
            assertEquals(2, held.path("count").asInt(), history.toString()); // coalesced: said twice, one record
            assertEquals(0, agent.agent().statusByName().get("cfe").restarts());
        }
    }
}
