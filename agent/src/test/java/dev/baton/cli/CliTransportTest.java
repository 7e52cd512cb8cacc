package dev.baton.cli;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.RunningAgent;
import dev.baton.process.ProcessState;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the CLI reaches the agent: its Unix socket without a token; over TCP the token only after the
 * listener has proven it is the agent; and program text shown, not obeyed, on the terminal.
 */
class CliTransportTest {
    @TempDir
    Path dir;

    @Test
    void theUnixSocketNeedsNoTokenAndProgramTextIsEscaped() throws Exception {
        try (RunningAgent agent = new RunningAgent(dir)) {
            // A line that would return the cursor, print what looks like an agent line and hide itself.
            String forger = agent.script("forger.sh", "printf 'ok\\rbaton | 2026 INFO  web: STOPPED\\033[2K\\033]0;t\\007\\n'; "
                    + "exec sleep 300");
            agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                    + program("forger", forger, "start_secs = \"0s\"")).start();
            agent.awaitState("forger", ProcessState.RUNNING);
            String socket = agent.stateDir.resolve("api.sock").toString();
            String noToken = dir.resolve("no-such-token").toString();

            long before = agent.status("web").pid();
            CliTest.Run restart = CliTest.exec("restart", "web", "--socket", socket, "--token-file", noToken);
            assertEquals(0, restart.code(), restart.err());
            assertTrue(agent.status("web").pid() != before);

            await().atMost(Duration.ofSeconds(10)).until(() -> CliTest.exec("tail", "forger", "--socket", socket)
                    .out().contains("STOPPED"));
            String shown = CliTest.exec("tail", "forger", "--socket", socket).out();
            assertEquals("ok\\x0dbaton | 2026 INFO  web: STOPPED\\x1b[2K\\x1b]0;t\\x07\n", shown);
            String json = CliTest.exec("tail", "forger", "--socket", socket, "--json").out();
            assertTrue(json.contains("\\r") && json.toLowerCase(java.util.Locale.ROOT).contains("\\u001b"), "--json keeps the text as written: " + json);
        }
    }

    /**
     * A socket connection the agent closes unanswered (past the user's share of the socket) is not
     * "not running": the CLI says the agent took it and why it would close it.
     */
    @Test
    void aSocketConnectionClosedUnansweredSaysWhy() throws Exception {
        Path socket = dir.resolve("api.sock");
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 4; i++) { // the CLI may try more than once
                        server.accept().close();
                    }
                } catch (java.io.IOException e) {
                    // the test closed the server
                }
            });
            CliTest.Run status = CliTest.exec("status", "--socket", socket.toString());
            assertEquals(ExitCodes.NOT_RUNNING, status.code(), status.out() + status.err());
            assertTrue(status.err().contains("no answer from the baton agent at " + socket)
                    && status.err().contains("holds its share of the socket"), status.err());
            server.close();
            closer.join();
        }
    }

    @Test
    void aListenerOnTheAgentsPortNeverGetsTheTokenAndTheAgentTakesThePortOnceFree() throws Exception {
        RunningAgent agent = new RunningAgent(dir);
        // Another process got the port first and records whatever a client sends it.
        ServerSocket thief = new ServerSocket(agent.port, 50, InetAddress.getLoopbackAddress());
        ByteArrayOutputStream stolen = new ByteArrayOutputStream();
        CompletableFuture<Void> listening = CompletableFuture.runAsync(() -> record(thief, stolen));
        try (agent) {
            agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start(false);
            agent.awaitState("web", ProcessState.RUNNING);
            String socket = agent.stateDir.resolve("api.sock").toString();
            JsonNode api = CliTest.exec("status", "--json", "--socket", socket).json().path("api");
            assertTrue(api.path("url").isNull(), api.toString());
            assertTrue(api.path("problem").asText().contains("cannot listen on 127.0.0.1:" + agent.port), api.toString());

            CliTest.Run stop = CliTest.exec("stop", "web", "--url", agent.url(), "--token-file", agent.tokenFile().toString());
            assertEquals(ExitCodes.PERMISSION, stop.code(), stop.out() + stop.err());
            assertTrue(stop.err().contains("did not prove it is the baton agent"), stop.err());
            String seen;
            synchronized (stolen) {
                seen = stolen.toString(StandardCharsets.ISO_8859_1);
            }
            assertTrue(seen.contains("GET /v1/proof?challenge="), seen);
            assertFalse(seen.contains(agent.token()), "the token never reached the impostor");
            assertFalse(seen.contains("Authorization"), seen);
            assertEquals(ProcessState.RUNNING, agent.status("web").state());

            thief.close();
            listening.join();
            await().atMost(Duration.ofSeconds(60)).until(() -> !CliTest.exec("status", "--json", "--socket", socket)
                    .json().path("api").path("url").isNull());
            CliTest.Run stopNow = CliTest.exec("stop", "web", "--url", agent.url(), "--token-file", agent.tokenFile().toString());
            assertEquals(0, stopNow.code(), stopNow.err());
        }
    }

    /**
     * A process that took the port of an agent that was down answered reads for it: root's CLI (which
     * can read the token) printed the impostor's pid for `baton pid web` (a `kill $(baton pid web)`
     * signalled the process of its choosing) and its "RUNNING" table with exit 0. A CLI that can read
     * the token now believes a read over TCP only from a listener that proved it is the agent; one
     * that cannot (nothing to check with) is as before.
     */
    @Test
    void whoeverCanReadTheTokenBelievesNoReadFromAListenerThatIsNotTheAgent() throws Exception {
        RunningAgent agent = new RunningAgent(dir);
        String token = agent.tokenFile().toString();
        try (agent) {
            agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            long pid = agent.awaitState("web", ProcessState.RUNNING).pid();
            CliTest.Run real = CliTest.exec("pid", "web", "--url", agent.url(), "--token-file", token);
            assertEquals(0, real.code(), real.err());
            assertEquals(pid + "\n", real.out(), "the agent proves itself and is believed");
        }
        ServerSocket impostor = new ServerSocket(agent.port, 50, InetAddress.getLoopbackAddress());
        CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> answerAll(impostor,
                "{\"agent\":{\"pid\":1},\"name\":\"web\",\"state\":\"RUNNING\",\"pid\":4242,\"programs\":[{\"name\":\"web\","
                        + "\"state\":\"RUNNING\",\"pid\":4242}],\"groups\":[]}"));
        try {
            for (String[] read : List.of(new String[] {"pid", "web"}, new String[] {"status"})) {
                List<String> args = new ArrayList<>(List.of(read));
                args.addAll(List.of("--url", agent.url(), "--token-file", token));
                CliTest.Run run = CliTest.exec(args.toArray(String[]::new));
                assertEquals(ExitCodes.PERMISSION, run.code(), args + ": " + run.out() + run.err());
                assertFalse(run.out().contains("4242") || run.out().contains("RUNNING"), run.out());
                assertTrue(run.err().contains("did not prove it is the baton agent") && run.err().contains("answer was not used"),
                        run.err());
            }
            CliTest.Run blind = CliTest.exec("pid", "web", "--url", agent.url(), "--token-file",
                    dir.resolve("no-such-token").toString());
            assertEquals(0, blind.code(), blind.err());
            assertEquals("4242\n", blind.out(), "without the token there is nothing to check an answer with");
        } finally {
            impostor.close();
            answering.join();
        }
    }

    /**
     * A user who held [::1]:PORT before the agent started (the agent then serves 127.0.0.1:PORT, and
     * says the twin is taken) relays a client's connection to the agent from the client's own port
     * number, bound on 127.0.0.1: the agent's proof covered the ports only, so the client took it for
     * the agent's and sent the token through the relay (shown with `baton stop web --url
     * http://[::1]:PORT` as root). The proof now covers the loopback addresses too.
     */
    @Test
    void aUserHoldingTheOtherLoopbackAddressCannotRelayTheChallengeToTheAgent() throws Exception {
        InetAddress v6 = ipv6Loopback();
        RunningAgent agent = new RunningAgent(dir);
        ServerSocket relay = new ServerSocket(agent.port, 50, v6);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicBoolean samePort = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Void> relaying = CompletableFuture.runAsync(() -> relay(relay,
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), agent.port), seen, samePort));
        try (agent) {
            agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            agent.awaitState("web", ProcessState.RUNNING);
            CliTest.Run stop = CliTest.exec("stop", "web", "--url", "http://[::1]:" + agent.port, "--token-file",
                    agent.tokenFile().toString());
            String relayed;
            synchronized (seen) {
                relayed = seen.toString(StandardCharsets.ISO_8859_1);
            }
            assertTrue(samePort.get() && relayed.contains("GET /v1/proof?challenge="), "the challenge went to the agent "
                    + "from the client's port number: " + relayed);
            assertEquals(ExitCodes.PERMISSION, stop.code(), stop.out() + stop.err());
            assertFalse(relayed.contains(agent.token()), "the token never reached the relay");
            assertEquals(ProcessState.RUNNING, agent.status("web").state());
        } finally {
            relay.close();
            relaying.join();
        }
    }

    /** Joins each client to {@code target} from the client's own port number where it can, recording what the client sends. */
    private static void relay(ServerSocket server, java.net.InetSocketAddress target, ByteArrayOutputStream into,
                              java.util.concurrent.atomic.AtomicBoolean samePort) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket up = new Socket();
                try {
                    up.bind(new java.net.InetSocketAddress(target.getAddress(), client.getPort()));
                    samePort.set(true);
                } catch (java.io.IOException e) {
                    up.bind(new java.net.InetSocketAddress(target.getAddress(), 0));
                }
                up.connect(target);
                // threads of their own: blocking copies must not wait for a pool
                daemon(() -> copy(client, up, into));
                daemon(() -> copy(up, client, null));
            } catch (java.io.IOException e) {
                // closed
            }
        }
    }

    private static void daemon(Runnable task) {
        Thread t = new Thread(task, "relay");
        t.setDaemon(true);
        t.start();
    }

    private static void copy(Socket from, Socket to, ByteArrayOutputStream record) {
        byte[] buf = new byte[4096];
        try (from; to) {
            InputStream in = from.getInputStream();
            for (int n; (n = in.read(buf)) > 0; ) {
                if (record != null) {
                    synchronized (record) {
                        record.write(buf, 0, n);
                    }
                }
                to.getOutputStream().write(buf, 0, n);
                to.getOutputStream().flush();
            }
        } catch (java.io.IOException e) {
            // one side went away: both are closed
        }
    }

    /** Answers every request on every connection with {@code json} (200), then closes it. */
    private static void answerAll(ServerSocket server, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // to the end of the request head
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                s.getOutputStream().flush();
            } catch (java.io.IOException e) {
                // closed, or the client went away
            }
        }
    }

    /**
     * `localhost` is ::1 as well as 127.0.0.1 on most hosts (first in Debian's /etc/hosts): a user who
     * held [::1]:PORT beside the agent's 127.0.0.1:PORT got the requests, token included, of clients
     * that connect in the resolver's order (Python's urllib does). The agent holds both; one taken
     * before it starts is reported and taken once free.
     */
    @Test
    void nobodyCanTakeTheAgentsPortOnTheOtherLoopbackAddress() throws Exception {
        InetAddress v6 = ipv6Loopback();
        RunningAgent agent = new RunningAgent(dir);
        ServerSocket early = new ServerSocket(agent.port, 50, v6);
        try (agent) {
            agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            String socket = agent.stateDir.resolve("api.sock").toString();
            JsonNode api = CliTest.exec("status", "--json", "--socket", socket).json().path("api");
            assertTrue(api.path("problem").asText().contains("cannot listen on [::1]:" + agent.port), api.toString());

            early.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> CliTest.exec("status", "--json", "--socket", socket)
                    .json().path("api").path("problem").isNull());
            assertThrows(java.net.BindException.class, () -> new ServerSocket(agent.port, 50, v6).close(),
                    "[::1]:" + agent.port + " is the agent's");
            String token = agent.token();
            dev.baton.api.Http overV6 = new dev.baton.api.Http("http://[::1]:" + agent.port, () -> token);
            assertEquals(200, overV6.get("/v1/status").status());
            assertEquals(200, overV6.post("/v1/programs/web/stop").status());
        } finally {
            early.close();
        }
    }

    /** Answers every connection like a server would not: reads what comes, answers a bare 200. */
    private static void record(ServerSocket server, ByteArrayOutputStream into) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int n = in.read(buf);
                if (n > 0) {
                    synchronized (into) {
                        into.write(buf, 0, n);
                    }
                }
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"proof\":\"no\"}".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                // a second request on the connection (the token, if the client sent it) is recorded too
                n = in.read(buf);
                if (n > 0) {
                    synchronized (into) {
                        into.write(buf, 0, n);
                    }
                }
            } catch (java.io.IOException e) {
                // closed, or the client went away
            }
        }
    }

    /** ::1, or the test is skipped on a host without it. */
    private static InetAddress ipv6Loopback() throws java.io.IOException {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
            return v6;
        } catch (java.io.IOException e) {
            return org.junit.jupiter.api.Assumptions.abort("no ::1 on this host: " + e.getMessage());
        }
    }
}
