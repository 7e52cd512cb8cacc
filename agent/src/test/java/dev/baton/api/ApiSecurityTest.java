package dev.baton.api;

import static dev.baton.api.RunningAgent.program;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.ApiSettings;
import dev.baton.process.ProcessState;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token file, Host header, loopback-only binding, request size caps: against a running agent. */
class ApiSecurityTest {
    @TempDir
    Path dir;

    @Test
    void tokenIsGeneratedOnceWithMode0600AndSurvivesARestart() throws Exception {
        RunningAgent a = new RunningAgent(dir);
        a.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\""));
        String first;
        try (RunningAgent running = a.start()) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.tokenFile())));
            assertEquals(Files.getOwner(dir), Files.getOwner(a.tokenFile()), "owned by the agent's user");
            first = a.token();
            assertTrue(first.matches("[0-9a-f]{64}"));
        }
        try (RunningAgent again = new RunningAgent(dir)) {
            again.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            assertEquals(first, again.token(), "the token is generated once");
            assertEquals(200, again.http().post("/v1/programs/web/restart").status());
        }
    }

    @Test
    void theTokenFileCanBeNamedInTheConfig() throws Exception {
        Path tokenFile = dir.resolve("elsewhere/baton.token");
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config("token_file = \"" + tokenFile + "\"", program("web", "[\"sleep\", \"300\"]")).start();
            assertTrue(Files.exists(tokenFile));
            String token = Files.readString(tokenFile).trim();
            Http.Response r = a.http().send(a.http().request("/v1/programs/web/stop")
                    .header("Authorization", "Bearer " + token).POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, r.status(), r.body());
        }
    }

    @Test
    void onlyLoopbackHostHeadersAreAnswered() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]")).start();
            int port = a.port;
            assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + port));
            assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: localhost:" + port));
            assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: LOCALHOST:" + port));
            assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: [::1]:" + port));
            assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: localhost"));

            // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own name.
            assertEquals(403, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: evil.example:" + port));
            assertEquals(403, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: localhost.evil.example"));
            assertEquals(403, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:1"));
            assertEquals(403, Http.rawStatus(port, "GET /v1/status HTTP/1.0"));
            assertEquals(403, Http.rawStatus(port, "POST /v1/programs/web/stop HTTP/1.1\r\nHost: evil.example:" + port
                    + "\r\nAuthorization: Bearer " + a.token() + "\r\nContent-Length: 0"));
            assertEquals(ProcessState.RUNNING, a.awaitState("web", ProcessState.RUNNING).state());
        }
    }

    @Test
    void requestHeadersAreCapped() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]")).start();
            String big = "x".repeat(64 * 1024);
            int status = Http.rawStatus(a.port, "GET /v1/status HTTP/1.1\r\nHost: localhost\r\nX-Big: " + big);
            assertTrue(status == 400 || status == 431, "status " + status);
            assertEquals(200, a.http().get("/v1/status").status(), "the server goes on");
        }
    }

    @Test
    void aNonLoopbackAddressIsRefusedWithoutAllowRemote() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]")).start();
            int port = RunningAgent.freePort();
            ApiServer.ApiRefusedException e = assertThrows(ApiServer.ApiRefusedException.class, () -> ApiServer.start(
                    new ApiSettings(true, "0.0.0.0", port, null, false), a.stateDir, a.agent().control(), null));
            assertTrue(e.getMessage().contains("allow_remote"), e.getMessage());
            assertThrows(ConnectException.class, () -> new java.net.Socket("127.0.0.1", port).close());
        }
    }

    @Test
    void theAgentRefusesToStartOnANonLoopbackAddressWithoutAllowRemote() throws Exception {
        RunningAgent a = new RunningAgent(dir);
        Files.writeString(a.configFile, "[agent]\nstate_dir = \"" + a.stateDir + "\"\n\n[api]\nlisten = \"0.0.0.0\"\n"
                + "port = " + a.port + "\n\n" + program("web", "[\"sleep\", \"300\"]"));
        assertEquals(dev.baton.agent.Agent.EXIT_CONFIG, new dev.baton.agent.Agent(a.configFile).run());
        assertThrows(ConnectException.class, () -> new java.net.Socket("127.0.0.1", a.port).close());
    }

    @Test
    void withAllowRemoteTheHostCheckIsOffButActionsStillNeedTheToken() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]")).start();
            int port = RunningAgent.freePort();
            try (ApiServer remote = ApiServer.start(new ApiSettings(true, "127.0.0.1", port, null, true), a.stateDir,
                    a.agent().control(), null)) {
                assertEquals(200, Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\nHost: baton.example.net:" + port));
                assertEquals(401, Http.rawStatus(port, "POST /v1/programs/web/stop HTTP/1.1\r\nHost: baton.example.net"
                        + "\r\nContent-Length: 0"));
            }
        }
    }

    @Test
    void anApiOnIpv6LoopbackWorks() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]")).start();
            int port = RunningAgent.freePort();
            try (ApiServer v6 = ApiServer.start(new ApiSettings(true, "::1", port, null, false), a.stateDir,
                    a.agent().control(), null)) {
                assertEquals("http://[::1]:" + port, v6.url());
                Http http = new Http("http://[::1]:" + port, () -> "");
                assertEquals(200, http.get("/v1/status").status());
            }
        }
    }
}
