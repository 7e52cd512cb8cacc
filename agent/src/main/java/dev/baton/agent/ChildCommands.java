package dev.baton.agent;

import dev.baton.process.ChildEnvironment;
import dev.baton.process.EventLoop;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import dev.baton.process.os.SpawnException;
import dev.baton.process.os.SpawnRequest;
import dev.baton.process.os.SpawnedProcess;
import dev.baton.process.os.Spawner;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
        return run(new SpawnRequest(command, environment, null, null, null, null, true), timeout, null);
    }

    /** The agent's environment as a child may inherit it (for commands that add their own variables). */
    Map<String, String> inheritedEnvironment() {
        return environment;
    }

    /**
     * Runs a hook: {@code request}'s argv with its stdout and stderr (merged) read into {@code output}
     * (the last {@link #OUTPUT_LIMIT} bytes, at most), waits for its exit up to {@code timeout}. Off the loop.
     */
    Result runCapturing(SpawnRequest request, Duration timeout, StringBuilder output) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 2>&1 </dev/null", "baton-hook"));
        command.addAll(request.argv());
        SpawnRequest wrapped = new SpawnRequest(command, request.environment(), request.directory(), request.user(),
                request.group(), request.umask(), true, null, List.of(), request.ignoreSigpipe());
        return run(wrapped, timeout, output);
    }

    /** A hook's output kept for the log: enough for an error message, bounded against a chatty or hostile command. */
    static final int OUTPUT_LIMIT = 4096;

    private Result run(SpawnRequest request, Duration timeout, StringBuilder output) {
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        long started = System.nanoTime();
        int pid;
        Thread reader = null;
        try {
            SpawnedProcess spawned = loop.call(() -> {
                SpawnedProcess sp = spawner.spawn(request);
                childSpawned.run();
                if (output == null) {
                    Os.close(sp.stdoutFd());
                }
                Os.close(sp.stderrFd());
                running.put(sp.pid(), exit);
                return sp;
            }, timeout);
            pid = spawned.pid();
            if (output != null) {
                reader = readInto(spawned.stdoutFd(), output);
            }
        } catch (SpawnException e) {
            return new Result(null, "cannot be started: " + e.getMessage());
        } catch (Exception e) {
            return new Result(null, "cannot be started: " + e);
        }
        try {
            return awaitExit(pid, exit, started, timeout);
        } finally {
            if (reader != null) {
                try {
                    reader.join(1000); // a grandchild holding the pipe open must not hold the caller
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Reads the pipe (through /proc/self/fd: a stream of our own, then the spawner's fd is closed) on
     * a daemon thread until its end, keeping the tail.
     */
    private static Thread readInto(int fd, StringBuilder output) throws IOException {
        InputStream in = new FileInputStream("/proc/self/fd/" + fd);
        Os.close(fd);
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            ByteArrayOutputStream tail = new ByteArrayOutputStream();
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    tail.write(buf, 0, n);
                    if (tail.size() > 2 * OUTPUT_LIMIT) {
                        byte[] all = tail.toByteArray();
                        tail.reset();
                        tail.write(all, all.length - OUTPUT_LIMIT, OUTPUT_LIMIT);
                    }
                }
            } catch (IOException e) {
                // the pipe broke: keep what was read
            }
            byte[] all = tail.toByteArray();
            int from = Math.max(0, all.length - OUTPUT_LIMIT);
            synchronized (output) {
                output.append(new String(all, from, all.length - from, StandardCharsets.UTF_8));
            }
        }, "baton-hook-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    private Result awaitExit(int pid, CompletableFuture<ExitStatus> exit, long started, Duration timeout) {
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
