package dev.baton.agent;

import static org.awaitility.Awaitility.await;

import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a real agent inside the test JVM (one test class per JVM, so its reaper is alone) on a
 * config written to a temp directory, with the state directory beside it.
 */
final class InProcessAgent implements AutoCloseable {
    final Path dir;
    final Path configFile;
    final Path stateDir;
    Agent agent;
    CompletableFuture<Integer> exit;

    InProcessAgent(Path dir) {
        this.dir = dir;
        this.configFile = dir.resolve("baton.toml");
        this.stateDir = dir.resolve("state");
    }

    /** Writes the config: an [agent] section pointing at the temp state dir, then {@code programs}. */
    InProcessAgent config(String programs) throws IOException {
        Files.writeString(configFile, "[agent]\nstate_dir = \"" + stateDir + "\"\nlog_mode = \"prefixed\"\n"
                + "shutdown_timeout = \"60s\"\n\n[api]\nenabled = false\n\n" + programs);
        return this;
    }

    InProcessAgent start() {
        agent = new Agent(configFile);
        exit = CompletableFuture.supplyAsync(agent::run);
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.supervisor() != null || exit.isDone());
        return this;
    }

    ProgramStatus status(String program) {
        return agent.statusByName().get(program);
    }

    ProgramStatus awaitState(String program, ProcessState state) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ProgramStatus s = status(program);
            return s != null && s.state() == state;
        });
        return status(program);
    }

    /** SIGTERM-equivalent: stop everything in order and return the exit code. */
    int stop() {
        agent.shutdown(-1);
        return exit.orTimeout(120, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    @Override
    public void close() {
        if (agent != null && !exit.isDone()) {
            stop();
        }
    }
}
