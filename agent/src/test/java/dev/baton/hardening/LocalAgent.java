package dev.baton.hardening;

import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramStatus;
import dev.baton.agent.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real agent inside the test JVM (one test class per JVM, so its waitpid(-1) reaper is alone:
 * never start a java.lang.Process in the same class).
 */
final class LocalAgent implements AutoCloseable {
    final Path configFile;
    Agent agent;
    CompletableFuture<Integer> exit;

    LocalAgent(Path configFile) {
        this.configFile = configFile;
    }

    LocalAgent start() {
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

    /** Runs on the agent's event loop (as the API does) and returns the result. */
    <T> T onLoop(Callable<T> task) throws Exception {
        return agent.supervisor().loop().call(task, Duration.ofSeconds(20));
    }

    /** An operator's stop (remembered in programs.json), as the API's stop does it. */
    void operatorStop(String program) throws Exception {
        onLoop(() -> {
            Supervisor s = agent.supervisor();
            Program p = s.program(program);
            s.stop(p, null);
            return null;
        });
    }

    void operatorStart(String program) throws Exception {
        onLoop(() -> {
            Supervisor s = agent.supervisor();
            s.start(s.program(program));
            return null;
        });
    }

    /** Waits until every event posted so far has been handled. */
    void drain() throws Exception {
        onLoop(() -> null);
    }

    int stop() {
        agent.shutdown(-1);
        return exit.orTimeout(120, TimeUnit.SECONDS).join();
    }

    @Override
    public void close() {
        if (agent != null && !exit.isDone()) {
            stop();
        }
    }
}
