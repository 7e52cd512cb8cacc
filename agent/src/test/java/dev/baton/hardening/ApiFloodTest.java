package dev.baton.hardening;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.api.Http;
import dev.baton.api.RunningAgent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local users without the token attack the API from their own processes ({@link SlowClients}, each
 * kind as another non-root user): log answers and log streams they never read, connections that
 * send nothing, keep-alive connections that ask now and then. The agent runs in its own JVM with
 * the launcher's 64 MiB heap and dies on the first OutOfMemoryError; it must survive with its
 * engine untouched, and an operator with the token must be served promptly throughout.
 */
class ApiFloodTest {
    @TempDir
    Path dir;

    @Test
    void unreadLogAnswersAndStreamsNeitherExhaustTheHeapNorLockOutTheOperator() throws Exception {
        assumeTrue(SlowClients.canSwitchUsers(), "attackers run as other users: needs root and setpriv");
        // 3,000-byte lines as fast as the shell prints them into a 4 MiB ring: every /log answer is
        // as big as the API allows (512 KiB of text), every stream starts with a full backlog.
        String flood = "line=$(printf '%03000d' 0); while :; do echo \"$line\"; done";
        try (Agent agent = Agent.start(dir, Fixtures.program("web", Fixtures.argv("sh", "-c", flood),
                "start_secs = \"0s\"", "[programs.web.log]", "ring_lines = 10000", "ring_bytes = \"4MiB\""))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.http().get("/v1/programs/web/log?lines=1").json()
                    .path("lines_read").asLong() > 3000);
            long webPid = agent.pid("web");
            List<Attacker> attackers = List.of(
                    Attacker.start(65534, agent.port(), "unread", "70", "/v1/programs/web/log/follow?lines=10000"),
                    Attacker.start(65533, agent.port(), "unread", "60", "/v1/programs/web/log?lines=10000"),
                    Attacker.start(65532, agent.port(), "unread", "60", "/v1/programs/web/log?lines=10000"));
            try {
                for (Attacker a : attackers) {
                    a.awaitOpened();
                }
                // Each round: another batch of unread answers, then the operator's read and action.
                for (int round = 0; round < 3; round++) {
                    try (Attacker more = Attacker.start(65531, agent.port(), "unread", "30", "/v1/programs/web/log?lines=10000")) {
                        more.awaitOpened();
                        agent.assertServedPromptly();
                    }
                }
                assertTrue(agent.jvm().alive(), "the agent survived: " + agent.jvm().stderrText());
                assertEquals(webPid, agent.pid("web"), "the engine was not touched");
            } finally {
                attackers.forEach(Attacker::close);
            }
            assertTrue(agent.jvm().alive(), agent.jvm().stderrText());
        }
    }

    @Test
    void silentAndKeepAliveConnectionsOfOneUserLockNobodyElseOut() throws Exception {
        assumeTrue(SlowClients.canSwitchUsers(), "attackers run as other users: needs root and setpriv");
        try (Agent agent = Agent.start(dir, Fixtures.program("web", Fixtures.argv("sleep", "600"), "start_secs = \"0s\""))) {
            try (Attacker silent = Attacker.start(65534, agent.port(), "silent", "150");
                 Attacker chatty = Attacker.start(65533, agent.port(), "keepalive", "128")) {
                assertEquals(150, silent.awaitOpened());
                assertEquals(128, chatty.awaitOpened());
                agent.assertServedPromptly();
                // One user keeps its share (32 connections), whatever it opens.
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(32, chatty.open()));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(32, silent.open()));
                agent.assertServedPromptly();
                // Silent connections are closed by the idle timeout (10 s), not kept for a minute.
                await().atMost(Duration.ofSeconds(30)).until(() -> silent.open() == 0);
            }
            assertTrue(agent.jvm().alive(), agent.jvm().stderrText());
        }
    }

    /** The agent in its own JVM (64 MiB heap, exit on OutOfMemoryError) with its API on a free port. */
    private record Agent(AgentJvm jvm, int port, Http http) implements AutoCloseable {
        static Agent start(Path dir, String programs) throws Exception {
            int port = RunningAgent.freePort();
            Path state = dir.resolve("state");
            Path config = dir.resolve("baton.toml");
            Files.writeString(config, Fixtures.agent(state, "log_mode = \"none\"")
                    .replace("[api]\nenabled = false", "[api]\nenabled = true\nport = " + port) + programs);
            AgentJvm jvm = AgentJvm.with(config).env("JAVA_TOOL_OPTIONS", "-XX:+ExitOnOutOfMemoryError").start();
            Http http = new Http("http://127.0.0.1:" + port, () -> {
                try {
                    return Files.readString(state.resolve("api.token")).trim();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> !jvm.alive()
                    || http.get("/healthz").status() == 200);
            assertTrue(jvm.alive(), jvm.stderrText());
            return new Agent(jvm, port, http);
        }

        long pid(String program) throws Exception {
            for (var p : http.get("/v1/programs").json()) {
                if (p.path("name").asText().equals(program)) {
                    return p.path("pid").asLong();
                }
            }
            throw new AssertionError("no program " + program);
        }

        /** A read and an authenticated action, each on a new connection, each answered within 10 s. */
        void assertServedPromptly() throws Exception {
            String host = "Host: 127.0.0.1:" + port;
            long t0 = System.nanoTime();
            int status;
            try {
                status = Http.rawStatus(port, "GET /v1/status HTTP/1.1\r\n" + host);
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no status in 10 s; the agent said: " + jvm.stdoutText() + jvm.stderrText(), e);
            }
            assertEquals(200, status);
            System.out.printf("api-flood: status answered in %.3f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(404, Http.rawStatus(port, "POST /v1/programs/nosuch/stop HTTP/1.1\r\n" + host
                    + "\r\nAuthorization: Bearer " + http.token() + "\r\nContent-Length: 0"), "authenticated, and answered");
        }

        @Override
        public void close() throws Exception {
            jvm.close();
        }
    }

    /** One {@link SlowClients} process as another user; reads its reports as they come. */
    private static final class Attacker implements AutoCloseable {
        private final Process process;
        private final AtomicInteger opened = new AtomicInteger(-1);
        private final AtomicInteger open = new AtomicInteger(-1);
        private final AtomicReference<String> output = new AtomicReference<>("");

        private Attacker(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        if (line.startsWith("opened ")) {
                            opened.set(Integer.parseInt(line.substring(7)));
                        } else if (line.startsWith("open ")) {
                            open.set(Integer.parseInt(line.substring(5)));
                        } else {
                            String l = line;
                            output.updateAndGet(o -> o.length() > 4000 ? o : o + l + "\n");
                        }
                    }
                } catch (java.io.IOException e) {
                    // killed
                }
            }, "attacker-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Attacker start(int uid, int port, String... args) throws java.io.IOException {
            List<String> all = new ArrayList<>(List.of(Integer.toString(port)));
            all.addAll(List.of(args));
            return new Attacker(SlowClients.launch(uid, all.toArray(String[]::new)));
        }

        /** How many connections it opened (the agent may have closed some at once). */
        int awaitOpened() {
            await().atMost(Duration.ofSeconds(60)).until(() -> opened.get() >= 0 || !process.isAlive());
            assertTrue(opened.get() >= 0, "the attacker did not start: " + output.get());
            return opened.get();
        }

        int open() {
            return open.get();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
