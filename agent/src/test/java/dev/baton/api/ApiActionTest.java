package dev.baton.api;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.process.ProcessState;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start, stop, restart, signal, reload, config check: real actions on real processes, over HTTP. */
class ApiActionTest {
    @TempDir
    static Path dir;
    static RunningAgent agent;
    static Http http;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        agent = new RunningAgent(dir);
        // hupper logs each SIGHUP it gets; flaky fails to start while its marker file exists.
        String hupper = agent.script("hupper.sh", "trap 'echo got-hup' HUP; echo ready; while :; do sleep 1; done");
        String flaky = agent.script("flaky.sh", "[ -e " + dir.resolve("broken") + " ] && exit 7; exec sleep 300");
        base = program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("hupper", hupper, "start_secs = \"0s\"")
                + program("flaky", flaky, "start_secs = \"300ms\"", "start_retries = 0");
        agent.config(base).start();
        agent.awaitState("web", ProcessState.RUNNING);
        agent.awaitState("hupper", ProcessState.RUNNING);
        agent.awaitState("flaky", ProcessState.RUNNING);
        http = agent.http();
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @Test
    void actionsNeedTheToken() throws Exception {
        int pid = agent.status("web").pid();
        Http.Response none = http.send(http.request("/v1/programs/web/stop").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, none.status());
        assertEquals("unauthorized", none.errorCode());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

        Http.Response wrong = http.send(http.request("/v1/programs/web/stop")
                .header("Authorization", "Bearer " + "0".repeat(64)).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, wrong.status());
        Http.Response basic = http.send(http.request("/v1/programs/web/stop")
                .header("Authorization", "Basic " + agent.token()).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, basic.status());
        Http.Response reload = http.send(http.request("/v1/reload").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, reload.status());

        assertEquals(pid, agent.status("web").pid(), "nothing happened to the program");
        assertEquals(ProcessState.RUNNING, agent.status("web").state());
    }

    @Test
    void stopStartRestartAnswerWhenDone() throws Exception {
        int pid = agent.status("web").pid();

        JsonNode stopped = http.post("/v1/programs/web/stop").json();
        assertTrue(stopped.path("ok").asBoolean(), stopped.toString());
        assertEquals("STOPPED", stopped.path("programs").get(0).path("state").asText());
        assertEquals(ProcessState.STOPPED, agent.status("web").state());
        assertFalse(new java.io.File("/proc/" + pid).exists(), "the process is gone when stop answers");
        assertEquals("STOPPED", webIn(http.get("/v1/status").json()).path("state").asText(),
                "the status document follows a change at once (it is cached per snapshot)");

        JsonNode again = http.post("/v1/programs/web/stop").json();
        assertTrue(again.path("ok").asBoolean());
        assertTrue(again.path("message").asText().contains("not running"), again.toString());

        JsonNode started = http.post("/v1/programs/web/start").json();
        assertTrue(started.path("ok").asBoolean(), started.toString());
        assertEquals("RUNNING", started.path("programs").get(0).path("state").asText());
        int newPid = started.path("programs").get(0).path("pid").asInt();
        assertEquals(agent.status("web").pid(), newPid);

        JsonNode restarted = http.post("/v1/programs/web/restart").json();
        assertTrue(restarted.path("ok").asBoolean(), restarted.toString());
        assertNotEquals(newPid, restarted.path("programs").get(0).path("pid").asInt());
        assertEquals(ProcessState.RUNNING, agent.status("web").state());

        int hupperPid = agent.status("hupper").pid();
        JsonNode all = http.post("/v1/programs/all/restart").json();
        assertTrue(all.path("ok").asBoolean(), all.toString());
        assertEquals(3, all.path("programs").size());
        assertNotEquals(hupperPid, agent.status("hupper").pid());
        assertEquals(ProcessState.RUNNING, agent.status("web").state());
    }

    private static JsonNode webIn(JsonNode status) {
        for (JsonNode p : status.path("programs")) {
            if (p.path("name").asText().equals("web")) {
                return p;
            }
        }
        throw new AssertionError("no web in " + status);
    }

    @Test
    void aStartThatFailsSaysWhy() throws Exception {
        Files.createFile(dir.resolve("broken"));
        try {
            JsonNode r = http.post("/v1/programs/flaky/restart").json();
            assertFalse(r.path("ok").asBoolean(), r.toString());
            assertTrue(r.path("message").asText().contains("exit 7"), r.toString());

            Http.Response ready = http.get("/readyz");
            assertEquals(503, ready.status(), ready.body());
            assertTrue(ready.json().path("reasons").get(0).asText().startsWith("flaky is "), ready.body());

            // An operator's stop puts it where it should be.
            assertTrue(http.post("/v1/programs/flaky/stop").json().path("ok").asBoolean());
            assertEquals(200, http.get("/readyz").status());
        } finally {
            Files.delete(dir.resolve("broken"));
        }
        assertTrue(http.post("/v1/programs/flaky/start").json().path("ok").asBoolean());
        assertEquals(200, http.get("/readyz").status());
    }

    @Test
    void signalReachesTheProgram() throws Exception {
        int before = hups();
        JsonNode byQuery = http.post("/v1/programs/hupper/signal?signal=HUP").json();
        assertTrue(byQuery.path("ok").asBoolean(), byQuery.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> hups() == before + 1);
        // Standard signals do not queue: the second one only after the first was handled.
        JsonNode byBody = http.post("/v1/programs/hupper/signal", "application/json", "{\"signal\":\"SIGHUP\"}").json();
        assertTrue(byBody.path("ok").asBoolean(), byBody.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> hups() == before + 2);
        assertEquals(ProcessState.RUNNING, agent.status("hupper").state());
    }

    private static int hups() throws Exception {
        return http.get("/v1/programs/hupper/log?lines=50").body().split("got-hup", -1).length - 1;
    }

    @Test
    void signalErrors() throws Exception {
        assertEquals(400, http.post("/v1/programs/hupper/signal?signal=NOPE").status());
        assertEquals(400, http.post("/v1/programs/hupper/signal").status(), "no signal named");
        assertEquals(400, http.post("/v1/programs/hupper/signal", "application/json", "{not json").status());
        assertEquals(415, http.post("/v1/programs/hupper/signal", "text/plain", "HUP").status());
        assertEquals(404, http.post("/v1/programs/nosuch/signal?signal=HUP").status());

        http.post("/v1/programs/web/stop");
        Http.Response conflict = http.post("/v1/programs/web/signal?signal=HUP");
        assertEquals(409, conflict.status());
        assertEquals("conflict", conflict.errorCode());
        assertTrue(conflict.json().path("error").path("message").asText().contains("STOPPED"), conflict.body());
        http.post("/v1/programs/web/start");
    }

    @Test
    void actionsOnUnknownProgramsAre404() throws Exception {
        for (String action : new String[] {"start", "stop", "restart"}) {
            Http.Response r = http.post("/v1/programs/nosuch/" + action);
            assertEquals(404, r.status(), action);
            assertEquals("not_found", r.errorCode());
        }
        assertEquals(400, http.post("/v1/programs/..%2Fx/start").status());
    }

    @Test
    void configCheckValidatesWithoutApplying() throws Exception {
        String withExtra = base + program("extra", "[\"sleep\", \"300\"]");
        JsonNode ok = http.post("/v1/config/check", "application/toml", withExtra).json();
        assertTrue(ok.path("ok").asBoolean(), ok.toString());
        assertEquals("extra", ok.path("added").get(0).asText());
        assertEquals(null, agent.status("extra"), "a check applies nothing");

        JsonNode bad = http.post("/v1/config/check", "text/plain", "[programs.x]\ncommand = 42\n").json();
        assertFalse(bad.path("ok").asBoolean());
        assertTrue(bad.path("problems").get(0).asText().startsWith("(request body):2: programs.x.command"),
                bad.toString());

        Http.Response form = http.post("/v1/config/check", "application/x-www-form-urlencoded", withExtra);
        assertEquals(415, form.status());
        assertEquals("unsupported_media_type", form.errorCode());
        assertEquals(400, http.post("/v1/config/check", "application/toml", "").status());

        Http.Response big = http.post("/v1/config/check", "application/toml", "#".repeat(2 * 1024 * 1024));
        assertEquals(413, big.status());
        assertEquals("payload_too_large", big.errorCode());
    }

    @Test
    void reloadAppliesTheDifferenceOrRefusesABrokenConfig() throws Exception {
        String original = Files.readString(agent.configFile);
        try {
            Files.writeString(agent.configFile, original + program("late", "[\"sleep\", \"300\"]", "start_secs = \"0s\""));
            JsonNode r = http.post("/v1/reload").json();
            assertTrue(r.path("ok").asBoolean(), r.toString());
            assertEquals("late", r.path("added").get(0).asText());
            agent.awaitState("late", ProcessState.RUNNING);

            Files.writeString(agent.configFile, original + "[programs.broken]\ncommand = 42\n");
            JsonNode refused = http.post("/v1/reload").json();
            assertFalse(refused.path("ok").asBoolean());
            assertTrue(refused.path("problems").size() > 0);
            assertEquals(ProcessState.RUNNING, agent.status("late").state(), "a refused reload changes nothing");
        } finally {
            Files.writeString(agent.configFile, original);
            http.post("/v1/reload");
        }
    }
}
