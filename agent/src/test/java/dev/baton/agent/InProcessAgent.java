package dev.baton.agent;

import static org.awaitility.Awaitility.await;

import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a real agent inside the test JVM (one test class per JVM, so its waitpid(-1) reaper is
 * alone: never start a java.lang.Process in the same class) on a config written to a temp
 * directory, with the state directory beside it, or on a config file the test wrote itself.
 */
public final class InProcessAgent implements AutoCloseable {
    final Path dir;
    final Path configFile;
    final Path stateDir;
    Agent agent;
    CompletableFuture<Integer> exit;

    InProcessAgent(Path dir) {
        this(dir, dir.resolve("baton.toml"));
    }

    private InProcessAgent(Path dir, Path configFile) {
        this.dir = dir;
        this.configFile = configFile;
        this.stateDir = dir.resolve("state");
    }

    /** An agent on a config file written by the test (its state dir is whatever that file says). */
    public static InProcessAgent forConfig(Path configFile) {
        return new InProcessAgent(configFile.getParent(), configFile);
    }

    public Agent agent() {
        return agent;
    }

    /** The agent's exit code, once {@code run()} returned. */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    /** Writes the config: an [agent] section pointing at the temp state dir, then {@code programs}. */
    InProcessAgent config(String programs) throws IOException {
        Files.writeString(configFile, "[agent]\nstate_dir = \"" + stateDir + "\"\nlog_mode = \"prefixed\"\n"
                + "shutdown_timeout = \"60s\"\n\n[api]\nenabled = false\n\n" + programs);
        return this;
    }

    public InProcessAgent start() {
        agent = new Agent(configFile);
        exit = CompletableFuture.supplyAsync(agent::run);
        // Until the supervisor began (its programs are known): before, status(NAME) is null for every program.
        await().atMost(Duration.ofSeconds(30)).until(() -> exit.isDone() || agent.supervisor() != null && begun());
        return this;
    }

    private boolean begun() {
        try {
            return onLoop(() -> agent.supervisor().config() != null);
        } catch (Exception e) {
            return exit.isDone();
        }
    }

    public ProgramStatus status(String program) {
        return agent.statusByName().get(program);
    }

    public ProgramStatus awaitState(String program, ProcessState state) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ProgramStatus s = status(program);
            return s != null && s.state() == state;
        });
        return status(program);
    }

    /** Runs on the agent's event loop (as the API does) and returns the result. */
    public <T> T onLoop(Callable<T> task) throws Exception {
        return agent.supervisor().loop().call(task, Duration.ofSeconds(20));
    }

    /** An operator's stop (remembered in programs.json), as the API's stop does it. */
    public void operatorStop(String program) throws Exception {
        onLoop(() -> {
            Supervisor s = agent.supervisor();
            s.stop(s.program(program), null);
            return null;
        });
    }

    public void operatorStart(String program) throws Exception {
        onLoop(() -> {
            Supervisor s = agent.supervisor();
            s.start(s.program(program));
            return null;
        });
    }

    /** Waits until every event posted so far has been handled. */
    public void drain() throws Exception {
        onLoop(() -> null);
    }

    /** SIGTERM-equivalent: stop everything in order and return the exit code. */
    public int stop() {
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
