package dev.baton.api;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.process.ProcessState;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follow stream: new lines arrive; a client that never reads blocks neither the log nor supervision. */
class LogFollowTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static RunningAgent agent;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        agent = new RunningAgent(dir);
        String ticker = agent.script("ticker.sh", "i=1; while :; do echo \"tick $i\"; i=$((i+1)); sleep 0.1; done");
        // chatty writes bursts of lines (~100k lines/s) to fill a stalled reader's buffers fast.
        String chatty = agent.script("chatty.sh",
                "while :; do seq -f 'line %g of a busy engine, padded to look like a real log line' 1 2000; "
                        + "sleep 0.02; done");
        String crashy = agent.script("crashy.sh", "sleep 0.2; exit 1");
        agent.config(program("ticker", ticker, "start_secs = \"0s\"")
                + program("chatty", chatty, "start_secs = \"0s\"", "log = { stdout = false }")
                + program("crashy", crashy, "start_secs = \"0s\"", "restart = \"always\"",
                "start_retries = \"forever\"", "backoff = { initial = \"0s\", max = \"0s\", jitter = 0.0 }",
                "log = { stdout = false }")).start();
        agent.awaitState("ticker", ProcessState.RUNNING);
        http = agent.http();
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    /** Collects the {@code data} of each {@code line} event of a follow stream on a background thread. */
    static final class Follow implements AutoCloseable {
        final List<JsonNode> lines = new CopyOnWriteArrayList<>();
        private final Stream<String> stream;
        final int status;

        Follow(String path) throws Exception {
            HttpRequest req = HttpRequest.newBuilder(URI.create(agent.url() + path)).GET().build();
            HttpResponse<Stream<String>> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
            status = r.statusCode();
            stream = r.body();
            Thread t = new Thread(() -> {
                try {
                    stream.forEach(l -> {
                        if (l.startsWith("data:")) {
                            try {
                                lines.add(JSON.readTree(l.substring(5).trim()));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    });
                } catch (RuntimeException e) {
                    // closed by the test
                }
            }, "test-follow");
            t.setDaemon(true);
            t.start();
        }

        List<String> texts() {
            return lines.stream().map(l -> l.path("text").asText()).toList();
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    @Test
    void theStreamStartsWithTheBacklogThenSeesNewLines() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.agent().control().log("ticker").get().lines() >= 3);
        try (Follow f = new Follow("/v1/programs/ticker/log/follow?lines=2")) {
            assertEquals(200, f.status);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.lines.size() >= 6);
            List<JsonNode> seen = List.copyOf(f.lines);
            for (int i = 1; i < seen.size(); i++) {
                assertEquals(seen.get(i - 1).path("seq").asLong() + 1, seen.get(i).path("seq").asLong(),
                        "no gap and no duplicate between the backlog and the new lines: " + f.texts());
            }
            assertTrue(seen.get(0).path("text").asText().startsWith("tick "));
        }
    }

    @Test
    void aReconnectingClientGetsWhatItMissed() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.agent().control().log("ticker").get().lines() >= 5);
        long last = agent.agent().control().log("ticker").get().tail(1).get(0).seq();
        HttpRequest req = HttpRequest.newBuilder(URI.create(agent.url() + "/v1/programs/ticker/log/follow"))
                .header("Last-Event-ID", Long.toString(last - 3)).GET().build();
        List<Long> seqs = new CopyOnWriteArrayList<>();
        HttpResponse<Stream<String>> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> s = r.body()) {
            s.filter(l -> l.startsWith("id:")).limit(3).forEach(l -> seqs.add(Long.parseLong(l.substring(3).trim())));
        }
        assertEquals(List.of(last - 2, last - 1, last), seqs);
    }

    @Test
    void followingAnUnknownProgramIs404() throws Exception {
        assertEquals(404, http.get("/v1/programs/nosuch/log/follow").status());
        assertEquals(400, http.get("/v1/programs/%2E%2E/log/follow").status());
        assertEquals(400, http.get("/v1/programs/ticker/log/follow?lines=x").status());
    }

    @Test
    void aStalledFollowerBlocksNeitherTheLogNorSupervision() throws Exception {
        int restartsBefore = agent.status("crashy").restarts();
        long linesBefore = agent.agent().control().log("chatty").get().lines();
        long stalledSince = System.nanoTime();
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), agent.port));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /v1/programs/chatty/log/follow HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // ... and never reads.

            try (Follow healthy = new Follow("/v1/programs/ticker/log/follow?lines=0")) {
                long worstMillis = 0;
                for (int i = 0; i < 40 && (agent.status("crashy").restarts() < restartsBefore + 10
                        || agent.agent().control().log("chatty").get().lines() < linesBefore + 200_000); i++) {
                    int restarts = agent.status("crashy").restarts();
                    long t0 = System.nanoTime();
                    assertEquals(200, http.get("/v1/status").status());
                    worstMillis = Math.max(worstMillis, (System.nanoTime() - t0) / 1_000_000);
                    // Supervision makes progress while the stalled client holds its stream.
                    await().atMost(Duration.ofSeconds(10)).until(() -> agent.status("crashy").restarts() > restarts);
                }
                assertTrue(agent.status("crashy").restarts() >= restartsBefore + 10,
                        "supervision went on: crashy restarted " + (agent.status("crashy").restarts() - restartsBefore));
                assertTrue(agent.agent().control().log("chatty").get().lines() >= linesBefore + 200_000,
                        "the log reader went on");
                // Liveness, not speed: a status stuck behind the stalled follower would not answer at all.
                assertTrue(worstMillis < 20_000, "status answered within " + worstMillis + " ms");
                await().atMost(Duration.ofSeconds(10)).until(() -> healthy.lines.size() >= 3);
                System.out.println("stalled follower: worst /v1/status " + worstMillis + " ms; chatty lines read "
                        + (agent.agent().control().log("chatty").get().lines() - linesBefore));
            }
            // The stalled client lost lines, and is told so once it reads again; unless (on a very loaded
            // machine) the loop above outlasted the stall limit and the agent rightly cut the stream.
            ReadResult read = readUntil(stalled, "event:dropped", Duration.ofSeconds(30));
            long stalledSeconds = (System.nanoTime() - stalledSince) / 1_000_000_000L;
            assertTrue(read == ReadResult.FOUND
                    || read == ReadResult.CLOSED && stalledSeconds >= LogStream.STALL_LIMIT_SECONDS,
                    "a dropped event arrives: " + read + " after a stall of " + stalledSeconds + " s");
        }
    }

    private enum ReadResult { FOUND, CLOSED, TIMED_OUT }

    /** Reads the socket until {@code marker} appeared (bounded in time); the bytes themselves are thrown away. */
    private static ReadResult readUntil(Socket socket, String marker, Duration limit) throws Exception {
        socket.setSoTimeout(1000);
        java.io.InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 * 1024];
        String tail = "";
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = in.read(buf);
            } catch (java.net.SocketTimeoutException e) {
                continue;
            }
            if (n < 0) {
                return ReadResult.CLOSED;
            }
            String text = tail + new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            if (text.contains(marker)) {
                return ReadResult.FOUND;
            }
            tail = text.substring(Math.max(0, text.length() - marker.length()));
        }
        return ReadResult.TIMED_OUT;
    }
}
