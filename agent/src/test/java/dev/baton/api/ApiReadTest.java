package dev.baton.api;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.process.ProcessState;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read routes and their error paths, over real HTTP against a running agent. */
class ApiReadTest {
    @TempDir
    static Path dir;
    static RunningAgent agent;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        agent = new RunningAgent(dir);
        String talker = agent.script("talker.sh",
                "i=1; while [ $i -le 20 ]; do echo \"hello $i\"; i=$((i+1)); done; echo 'oops' >&2; exec sleep 300");
        agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("talker", talker, "start_secs = \"0s\"")
                + program("manual", "[\"sleep\", \"300\"]", "autostart = false")).start();
        agent.awaitState("web", ProcessState.RUNNING);
        agent.awaitState("talker", ProcessState.RUNNING);
        http = agent.http();
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @Test
    void statusListsTheAgentAndEveryProgram() throws Exception {
        Http.Response r = http.get("/v1/status");
        assertEquals(200, r.status());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode s = r.json();
        assertTrue(s.path("agent").path("pid").asLong() > 0);
        assertEquals(agent.configFile.toString(), s.path("agent").path("config_file").asText());
        assertTrue(s.path("groups").isArray());
        List<String> names = new ArrayList<>();
        s.path("programs").forEach(p -> names.add(p.path("name").asText()));
        assertEquals(List.of("manual", "talker", "web"), names);
        JsonNode web = s.path("programs").get(2);
        assertEquals("RUNNING", web.path("state").asText());
        assertEquals(agent.status("web").pid(), web.path("pid").asInt());
        for (String key : List.of("since", "started_at", "uptime_seconds", "restarts", "last_exit", "last_exit_at",
                "last_error", "hold", "priority", "group", "version", "role")) {
            assertTrue(web.has(key), "program documents always carry " + key);
        }
        assertEquals("STOPPED", s.path("programs").get(0).path("state").asText());
    }

    @Test
    void oneProgram() throws Exception {
        Http.Response r = http.get("/v1/programs/web");
        assertEquals(200, r.status());
        assertEquals("web", r.json().path("name").asText());
        assertEquals(3, http.get("/v1/programs").json().size());
    }

    @Test
    void unknownProgramIs404AndOddNamesAre400() throws Exception {
        Http.Response missing = http.get("/v1/programs/nosuch");
        assertEquals(404, missing.status());
        assertEquals("not_found", missing.errorCode());
        assertEquals(404, missing.json().path("error").path("status").asInt());

        for (String bad : List.of("..%2F..%2Fetc%2Fpasswd", "%2E%2E", "-dash", "a%00b", "x".repeat(65), "%C3%A9t%C3%A9")) {
            Http.Response r = http.get("/v1/programs/" + bad);
            assertEquals(400, r.status(), bad);
            assertEquals("bad_request", r.errorCode());
            Http.Response log = http.get("/v1/programs/" + bad + "/log");
            assertEquals(400, log.status(), bad);
        }
        assertEquals(404, Http.rawStatus(agent.port, "GET /v1/programs/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1"));
    }

    @Test
    void tailReturnsTheLastLines() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/programs/talker/log?lines=100").json()
                .path("lines").size() == 21);
        JsonNode log = http.get("/v1/programs/talker/log?lines=3").json();
        assertEquals("talker", log.path("program").asText());
        JsonNode lines = log.path("lines");
        assertEquals(3, lines.size());
        assertEquals("hello 19", lines.get(0).path("text").asText());
        assertEquals("stdout", lines.get(0).path("stream").asText());
        assertEquals("oops", lines.get(2).path("text").asText());
        assertEquals("stderr", lines.get(2).path("stream").asText());
        assertTrue(lines.get(2).path("seq").asLong() > lines.get(1).path("seq").asLong());
        assertTrue(log.path("lines_read").asLong() >= 21);
        assertEquals(0, log.path("dropped_lines").path("stdout").asLong(-1), log.toString());
        assertEquals(0, log.path("dropped_lines").path("file").asLong(-1), log.toString());
        assertEquals(0, log.path("dropped_lines").path("journal").asLong(-1), log.toString());

        assertEquals(400, http.get("/v1/programs/talker/log?lines=-1").status());
        assertEquals(400, http.get("/v1/programs/talker/log?lines=abc").status());
        assertEquals(400, http.get("/v1/programs/talker/log?lines=1000000").status());
        assertEquals(404, http.get("/v1/programs/nosuch/log").status());
    }

    @Test
    void historyIsAListOfEvents() throws Exception {
        Http.Response r = http.get("/v1/history?limit=5");
        assertEquals(200, r.status());
        assertTrue(r.json().path("events").isArray());
        assertEquals(400, http.get("/v1/history?limit=0").status());
    }

    @Test
    void probes() throws Exception {
        Http.Response health = http.get("/healthz");
        assertEquals(200, health.status());
        assertEquals("ok", health.json().path("status").asText());

        Http.Response ready = http.get("/readyz");
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.json().path("ready").asBoolean());
        assertEquals(0, ready.json().path("reasons").size(), "manual is not autostart: not expected to run");
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405WithAllow() throws Exception {
        Http.Response nothing = http.get("/v1/nothing");
        assertEquals(404, nothing.status());
        assertEquals("not_found", nothing.errorCode());

        Http.Response getAction = http.get("/v1/programs/web/start");
        assertEquals(405, getAction.status());
        assertEquals("POST", getAction.headers().firstValue("Allow").orElse(""));
        assertEquals("method_not_allowed", getAction.errorCode());

        Http.Response postRead = http.post("/v1/status");
        assertEquals(405, postRead.status());
        assertEquals("GET, HEAD", postRead.headers().firstValue("Allow").orElse(""));

        Http.Response delete = http.send(http.request("/v1/programs/web")
                .header("Authorization", "Bearer " + agent.token()).DELETE());
        assertEquals(405, delete.status());
    }

    /**
     * HEAD is GET without the body (RFC 9110: every general-purpose server supports both): a load
     * balancer's or uptime checker's {@code HEAD /healthz}, {@code curl -I}. It got 405 on every route,
     * /metrics included, whose handler answers HEAD but was never reached through the router.
     */
    @Test
    void headAnswersEveryReadRouteAsGetDoesWithoutTheBody() throws Exception {
        for (String path : List.of("/healthz", "/v1/status", "/v1/programs", "/v1/programs/web",
                "/v1/programs/talker/log?lines=5", "/v1/programs/talker/log/follow", "/v1/history", "/metrics")) {
            Http.Response head = http.send(http.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, head.status(), "HEAD " + path);
            assertEquals("", head.body(), "HEAD " + path);
            String type = head.headers().firstValue("Content-Type").orElse("");
            assertTrue(!type.isEmpty() && type.equals(contentTypeOfGet(path)), "HEAD " + path + ": " + type);
        }
        Http.Response missing = http.send(http.request("/v1/programs/nosuch").method("HEAD",
                HttpRequest.BodyPublishers.noBody()));
        assertEquals(404, missing.status());
        assertEquals("", missing.body());
        assertEquals(200, http.get("/v1/programs/web").status(), "the connection serves the next request");
    }

    /** The Content-Type GET answers on {@code path}; a stream's is read from its head only. */
    private static String contentTypeOfGet(String path) throws Exception {
        java.net.http.HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(
                http.request(path).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        r.body().close();
        return r.headers().firstValue("Content-Type").orElse("");
    }

    @Test
    void errorBodiesNeverCarryAStackTrace() throws Exception {
        for (String path : List.of("/v1/nothing", "/v1/programs/nosuch", "/v1/programs/%2E%2E", "/v1/history?limit=x")) {
            String body = http.get(path).body();
            assertFalse(body.contains("Exception") || body.contains("\tat "), body);
        }
    }
}
