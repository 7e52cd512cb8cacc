package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code [cluster]} a real agent loads no etcd code at all (jetcd, gRPC, Netty, Vert.x: ~25 MB
 * and 0.6 s): checked with the JVM's own class-loading log while the agent runs programs and answers
 * its API, metrics and the cluster routes (404). With {@code [cluster]} the same log shows jetcd, so
 * the check can see it.
 */
class ClusterClassLoadingTest {
    private static final Pattern ETCD = Pattern.compile(
            "\\] (io\\.etcd\\.|io\\.grpc\\.|io\\.netty\\.|io\\.vertx\\.|dev\\.baton\\.cluster\\.etcd\\.ClusterNode )");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void withoutClusterNoEtcdClassIsLoaded() throws Exception {
        List<String> etcd = run("", true);
        assertEquals(List.of(), etcd, "classes loaded without [cluster]");
    }

    @Test
    void withClusterJetcdIsLoaded() throws Exception {
        // An endpoint nobody listens on: the cluster starts in the background and keeps trying.
        List<String> etcd = run("""
                [cluster]
                endpoints = ["http://127.0.0.1:9"]
                host = "h"
                """, false);
        assertTrue(etcd.stream().anyMatch(l -> l.contains("] io.etcd.")), "the detector sees jetcd: " + etcd.size());
        assertTrue(etcd.stream().anyMatch(l -> l.contains("dev.baton.cluster.etcd.ClusterNode ")));
    }

    /** Runs an agent with the class-loading log, exercises it, stops it; the etcd-related classes it loaded. */
    private List<String> run(String extra, boolean noCluster) throws Exception {
        int port = ClusterHosts.freePort();
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, """
                [agent]
                state_dir = "%s"

                [api]
                port = %d

                [programs.web]
                command = ["sleep", "300"]
                start_secs = "0s"
                """.formatted(dir.resolve("state"), port) + extra);
        Path classes = dir.resolve("classes.log");
        List<String> cmd = AgentProcess.javaCommand("run", "--config", config.toString());
        cmd.add(1, "-Xlog:class+load=info:file=" + classes);
        Process agent = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.out").toFile()).start();
        try {
            String base = "http://127.0.0.1:" + port;
            await("agent answers").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> get(base + "/v1/programs/web").contains("\"state\":\"RUNNING\""));
            assertTrue(get(base + "/metrics").contains("baton_program_state"));
            String cluster = status(base + "/v1/cluster");
            assertTrue(noCluster ? cluster.equals("404") : !cluster.equals("404"), cluster);
            status(base + "/v1/fleet");
            status(base + "/v1/status");
            if (!noCluster) {
                await("cluster started").atMost(Duration.ofSeconds(30)).until(() -> status(base + "/v1/cluster").equals("200"));
            }
        } finally {
            agent.destroy();
            if (!agent.waitFor(60, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
        assertEquals(0, agent.exitValue(), Files.readString(dir.resolve("agent.out")));
        List<String> lines = Files.readAllLines(classes);
        assertTrue(lines.stream().anyMatch(l -> l.contains("dev.baton.agent.Agent ")), "the log lists the agent's classes");
        return lines.stream().filter(l -> ETCD.matcher(l).find()).toList();
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String status(String url) throws IOException, InterruptedException {
        return Integer.toString(HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
