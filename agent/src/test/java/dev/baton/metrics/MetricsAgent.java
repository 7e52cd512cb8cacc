package dev.baton.metrics;

import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.control.Control;
import dev.baton.process.ProcessState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in the test JVM (one test class per JVM: its reaper must be alone) with real
 * programs, its config and state in a temp directory, and a {@link BatonMetrics} on its control
 * that renders afresh on every scrape.
 */
final class MetricsAgent implements AutoCloseable {
    static final String FAST_BACKOFF = "backoff = { initial = \"10ms\", max = \"50ms\", multiplier = 2.0, jitter = 0.0 }";

    final Path dir;
    final Path configFile;
    private Agent agent;
    private CompletableFuture<Integer> exit;
    private BatonMetrics metrics;

    MetricsAgent(Path dir) {
        this.dir = dir;
        this.configFile = dir.resolve("baton.toml");
    }

    /** Writes the config: [agent] in the temp dir, the API off (the test scrapes directly), then {@code programs}. */
    MetricsAgent config(String programs) throws IOException {
        Files.writeString(configFile, "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\nlog_mode = \"none\"\n"
                + "max_line_bytes = 1024\nshutdown_timeout = \"60s\"\n\n[api]\nenabled = false\n\n" + programs);
        return this;
    }

    MetricsAgent start() {
        agent = new Agent(configFile);
        exit = CompletableFuture.supplyAsync(agent::run);
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.control() != null || exit.isDone());
        if (exit.isDone()) {
            throw new IllegalStateException("the agent ended at start with exit code " + exit.join());
        }
        metrics = new BatonMetrics(agent.control(), Duration.ZERO);
        return this;
    }

    Control control() {
        return agent.control();
    }

    BatonMetrics metrics() {
        return metrics;
    }

    /** One scrape, checked against the text format. */
    Exposition scrape() {
        return Exposition.parse(new String(metrics.scrape(), StandardCharsets.UTF_8));
    }

    void awaitState(String program, ProcessState state) {
        await().atMost(Duration.ofSeconds(60)).until(() -> control().program(program)
                .map(p -> p.state() == state).orElse(false));
    }

    /** Rewrites the programs and applies them as an operator's reload would. */
    void reload(String programs) throws IOException {
        config(programs);
        control().reload();
    }

    /** An executable shell script in the temp dir; returns its TOML command array. */
    String script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return "[\"" + p + "\"]";
    }

    /** A TOML program section. */
    static String program(String name, String command, String... extraLines) {
        StringBuilder sb = new StringBuilder("[programs." + name + "]\ncommand = " + command + "\n");
        for (String l : extraLines) {
            sb.append(l).append('\n');
        }
        return sb.append('\n').toString();
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        if (agent != null && !exit.isDone()) {
            agent.shutdown(-1);
            exit.orTimeout(120, TimeUnit.SECONDS).join();
        }
    }
}
