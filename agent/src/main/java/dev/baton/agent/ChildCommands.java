package dev.baton.agent;

import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.SpawnException;
import dev.baton.process.os.SpawnRequest;
import dev.baton.process.os.SpawnedProcess;
import dev.baton.process.os.Signals;
import dev.baton.process.os.Spawner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs short commands of the agent's own (readiness checks, a sequential group's pre-upgrade and
 * backup commands) through the agent's {@link Spawner}, their exits taken from the agent's reaper:
 * no java.lang.Process, whose exit status the reaper's waitpid(-1) would steal. Output goes to
 * /dev/null. {@link #run} blocks: call it off the event loop.
 */
final class ChildCommands {
    /** How a command ended: its exit status, or null and why there is none (not started, timed out and killed). */
    record Result(ExitStatus status, String failure) {
        boolean succeeded() {
            return status != null && !status.bySignal() && status.code() == 0;
        }

        /** In words: "exit 30", "killed by SIGKILL", "timed out after PT5M (killed)". */
        String describe() {
            return status != null ? status.toString() : failure;
        }
    }

    private final EventLoop loop;
    private final Spawner spawner;
    private final Runnable childSpawned;
    private final Map<String, String> environment;
    /** Commands by pid, until the reaper reports their exit (on the loop). */
    private final Map<Integer, CompletableFuture<ExitStatus>> running = new ConcurrentHashMap<>();

    ChildCommands(EventLoop loop, Spawner spawner, Runnable childSpawned, Map<String, String> agentEnv) {
        this.loop = loop;
        this.spawner = spawner;
        this.childSpawned = childSpawned;
        this.environment = ChildEnvironment.inherited(agentEnv);
    }

    /**
     * Spawns the command on the event loop (as the supervisor spawns programs, so that the reaper's
     * report of its exit is handled after its pid is known) and waits for the exit the reaper reports;
     * past {@code timeout} its process group is killed. Off the loop.
     */
    Result run(List<String> argv, Duration timeout) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" >/dev/null 2>&1", "baton-command"));
        command.addAll(argv);
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        long started = System.nanoTime();
        int pid;
        try {
            pid = loop.call(() -> {
                SpawnedProcess sp = spawner.spawn(new SpawnRequest(command, environment, null, null, null, null, true));
                childSpawned.run();
                Os.close(sp.stdoutFd());
                Os.close(sp.stderrFd());
                running.put(sp.pid(), exit);
                return sp.pid();
            }, timeout);
        } catch (SpawnException e) {
            return new Result(null, "cannot be started: " + e.getMessage());
        } catch (Exception e) {
            return new Result(null, "cannot be started: " + e);
        }
        long left = timeout.toNanos() - (System.nanoTime() - started);
        try {
            return new Result(exit.get(Math.max(left, 0), TimeUnit.NANOSECONDS), null);
        } catch (TimeoutException e) {
            loop.post(() -> {
                if (running.containsKey(pid)) {
                    Os.killGroup(pid, Signals.SIGKILL); // its own group (pgid == pid): the command's children too
                }
            });
            return new Result(null, "timed out after " + timeout + " (killed)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted (the agent stops)");
        } catch (Exception e) {
            return new Result(null, "failed: " + e);
        }
    }

    /** True while a command runs (a re-exec waits for it). */
    boolean busy() {
        return !running.isEmpty();
    }

    /** From the reaper, on the loop: true when {@code pid} was one of these commands (then it is not a program's). */
    boolean onExit(int pid, ExitStatus status) {
        CompletableFuture<ExitStatus> command = running.remove(pid);
        if (command == null) {
            return false;
        }
        command.complete(status);
        return true;
    }
}
