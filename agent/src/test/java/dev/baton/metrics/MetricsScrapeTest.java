package dev.baton.metrics;

import static dev.baton.metrics.MetricsAgent.FAST_BACKOFF;
import static dev.baton.metrics.MetricsAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.AgentStatus;
import dev.baton.process.ProcessState;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a scrape of a real agent with real programs says, and how /metrics serves it. */
class MetricsScrapeTest {
    @TempDir
    static Path dir;
    static MetricsAgent agent;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        agent = new MetricsAgent(dir);
        String talker = agent.script("talker", "i=0; while true; do echo \"line $i\"; i=$((i+1)); sleep 0.02; done");
        String crasher = agent.script("crasher", "echo starting; sleep 0.2; exit 3");
        String wide = agent.script("wide", "head -c 3000 /dev/zero | tr '\\0' x; echo; exec sleep 300");
        base = program("talker", talker, "start_secs = \"0s\"")
                + program("crasher", crasher, "start_secs = \"0s\"", "restart = \"always\"",
                "start_retries = \"forever\"", FAST_BACKOFF)
                + program("wide", wide, "start_secs = \"0s\"");
        agent.config(base).start();
        agent.awaitState("talker", ProcessState.RUNNING);
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @Test
    void programsShowTheirStateRestartsExitsAndOutput() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Exposition e = agent.scrape();
            assertEquals(1, value(e, "baton_program_state", "program", "talker", "state", "RUNNING"));
            assertTrue(value(e, "baton_program_restarts_total", "program", "crasher") >= 2);
            assertEquals(3, value(e, "baton_program_last_exit_code", "program", "crasher"));
            assertTrue(value(e, "baton_program_log_lines_total", "program", "talker") >= 20);
            assertTrue(value(e, "baton_program_log_truncated_lines_total", "program", "wide") >= 1);
        });
        Exposition e = agent.scrape();
        double lines = value(e, "baton_program_log_lines_total", "program", "talker");
        // "line N\n": at least 7 bytes a line, terminators included
        assertTrue(value(e, "baton_program_log_bytes_total", "program", "talker") >= 7 * lines);
        assertEquals(0, value(e, "baton_program_restarts_total", "program", "talker"));
        assertTrue(value(e, "baton_program_uptime_seconds", "program", "talker") > 0);
        assertEquals(0, value(e, "baton_program_log_dropped_lines_total", "program", "talker", "sink", "stdout"));
        assertEquals(0, value(e, "baton_program_log_dropped_lines_total", "program", "talker", "sink", "file"));
        assertEquals(0, value(e, "baton_program_log_dropped_lines_total", "program", "talker", "sink", "journal"));
        double exitedAt = value(e, "baton_program_last_exit_time_seconds", "program", "crasher");
        assertTrue(Math.abs(Instant.now().getEpochSecond() - exitedAt) < 60, "exit time " + exitedAt);
    }

    @Test
    void everyProgramHasOneSeriesPerStateAndExactlyOneIsSet() {
        Exposition e = agent.scrape();
        for (var p : agent.control().status().programs()) {
            List<Exposition.Sample> states = e.samples("baton_program_state").stream()
                    .filter(s -> s.labels().get("program").equals(p.name())).toList();
            assertEquals(ProcessState.values().length, states.size(), p.name());
            assertEquals(1, states.stream().filter(s -> s.value() == 1).count(), p.name());
        }
    }

    @Test
    void theAgentDescribesItself() {
        Exposition e = agent.scrape();
        AgentStatus s = agent.control().status();
        assertEquals(1, value(e, "baton_agent_info", "version", s.version(), "host", s.host()));
        assertEquals(0, value(e, "baton_agent_state_problem"));
        assertTrue(value(e, "process_resident_memory_bytes") > 10 << 20);
        assertTrue(e.samples("jvm_memory_used_bytes").stream().filter(x -> "heap".equals(x.labels().get("area")))
                .mapToDouble(Exposition.Sample::value).sum() > 0);
        assertTrue(value(e, "process_cpu_seconds_total") > 0);
        assertTrue(value(e, "jvm_threads_live_threads") > 1);
    }

    @Test
    void programsRemovedByAReloadLeaveTheScrape() throws Exception {
        agent.reload(base + program("visitor", "[\"sleep\", \"300\"]", "start_secs = \"0s\""));
        agent.awaitState("visitor", ProcessState.RUNNING);
        assertEquals(1, value(agent.scrape(), "baton_program_state", "program", "visitor", "state", "RUNNING"));

        agent.reload(base);
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.scrape().samples.stream()
                .noneMatch(s -> "visitor".equals(s.labels().get("program"))));
        assertEquals(1, value(agent.scrape(), "baton_program_state", "program", "talker", "state", "RUNNING"));
    }

    @Test
    void theRegistryIsMadeAtTheFirstScrapeNotAtStart() {
        AtomicInteger made = new AtomicInteger();
        MetricsEndpoint endpoint = new MetricsEndpoint(() -> {
            made.incrementAndGet();
            return new BatonMetrics(agent.control());
        });
        assertEquals(0, made.get());
        assertEquals(1, value(Exposition.parse(new String(endpoint.metrics().scrape(), StandardCharsets.UTF_8)),
                "baton_program_state", "program", "talker", "state", "RUNNING"));
        endpoint.metrics().scrape();
        assertEquals(1, made.get());
        endpoint.close();

        // Closed before any scrape: a late request makes no registry (its GC listeners would leak)
        MetricsEndpoint unscraped = new MetricsEndpoint(() -> {
            made.incrementAndGet();
            return new BatonMetrics(agent.control());
        });
        unscraped.close();
        assertThrows(IllegalStateException.class, unscraped::metrics);
        assertEquals(1, made.get());
    }

    @Test
    void theEndpointServesTextFormatOverHttp() throws Exception {
        MetricsEndpoint endpoint = new MetricsEndpoint(agent.control());
        Undertow server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(endpoint).build();
        server.start();
        try {
            int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
            URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, get.statusCode());
            assertEquals(MetricsEndpoint.CONTENT_TYPE, get.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(1, value(Exposition.parse(get.body()), "baton_program_state", "program", "talker",
                    "state", "RUNNING"));

            HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri).method("HEAD",
                    HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());

            // Concurrent scrapes all get a whole document (one render serves them within a second)
            List<CompletableFuture<HttpResponse<String>>> many = IntStream.range(0, 16).mapToObj(i -> http.sendAsync(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString())).toList();
            for (CompletableFuture<HttpResponse<String>> f : many) {
                HttpResponse<String> r = f.join();
                assertEquals(200, r.statusCode());
                Exposition.parse(r.body());
            }
        } finally {
            server.stop();
            endpoint.close();
        }
    }

    /** The value of the one sample of {@code name} with these labels (name, value, ...). */
    static double value(Exposition e, String name, String... labels) {
        Map<String, String> wanted = new java.util.HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return e.value(name, wanted).orElseThrow(() -> new AssertionError("no sample " + name + wanted));
    }
}
