package dev.baton.cluster.etcd;

import dev.baton.cluster.ExclusiveProgramControl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One fake host's supervisor: spawns a real process per program (a sleep loop that records its own
 * start and stop in the ledger) and stops it with SIGTERM, then SIGKILL after the stop timeout. One
 * thread per host serializes the commands, as the supervisor's event loop does.
 */
final class RecordingPrograms implements ExclusiveProgramControl {
    private static final String SCRIPT = """
            #!/bin/bash
            line() { echo "$1 $BATON_TEST_HOST $BATON_TEST_PROGRAM $(date +%s%6N) - ${BATON_FENCING_TOKEN:-0}" >> "$BATON_TEST_LEDGER"; }
            line run
            trap 'line term; kill $! 2>/dev/null; exit 0' TERM
            while :; do sleep 0.2 & wait $!; done
            """;

    private final String host;
    private final Ledger ledger;
    private final Path script;
    private final Duration stopTimeout;
    private final ExecutorService commands;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();

    RecordingPrograms(String host, Ledger ledger, Duration stopTimeout) {
        this.host = host;
        this.ledger = ledger;
        this.stopTimeout = stopTimeout;
        this.script = ledger.file().resolveSibling("fake-program.sh");
        this.commands = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "programs-" + host);
            t.setDaemon(true);
            return t;
        });
        try {
            Files.writeString(script, SCRIPT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletableFuture<Void> start(String program, Map<String, String> environment) {
        return CompletableFuture.runAsync(() -> {
            if (isRunning(program)) {
                return;
            }
            long token = Long.parseLong(environment.getOrDefault(FENCING_TOKEN_ENV, "0"));
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            builder.environment().putAll(Map.of("BATON_TEST_HOST", host, "BATON_TEST_PROGRAM", program,
                    "BATON_TEST_LEDGER", ledger.file().toString()));
            ledger.record("spawn", host, program, token);
            try {
                processes.put(program, builder.start());
            } catch (IOException e) {
                ledger.record("exit", host, program, token);
                throw new UncheckedIOException(e);
            }
        }, commands);
    }

    @Override
    public CompletableFuture<Void> stopAndConfirmExit(String program) {
        return CompletableFuture.runAsync(() -> stopNow(program, false), commands);
    }

    @Override
    public boolean isRunning(String program) {
        return processes.containsKey(program);
    }

    /** The pid of the program's process, 0 without one. */
    @Override
    public long instanceId(String program) {
        Process p = processes.get(program);
        return p == null ? 0 : p.pid();
    }

    private void stopNow(String program, boolean kill) {
        Process p = processes.get(program); // stays "running" until its exit is recorded
        if (p == null) {
            return;
        }
        try {
            if (kill) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
            if (!p.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        ledger.record("exit", host, program, 0);
        processes.remove(program, p);
    }

    /** The program dies by itself (and the supervisor does not restart it). */
    void killBehindTheBack(String program) {
        CompletableFuture.runAsync(() -> stopNow(program, true), commands).join();
    }

    /** The host dies: no more commands, every program killed at once. */
    void crash() {
        commands.shutdownNow();
        try {
            commands.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.keySet().forEach(program -> stopNow(program, true));
    }

    /** Test teardown: stop whatever still runs. */
    void close() {
        commands.shutdown();
        try {
            commands.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.keySet().forEach(program -> stopNow(program, false));
    }
}
