package dev.baton.process.os;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts child processes with posix_spawn, all on one long-lived daemon thread, "baton-spawner".
 *
 * <p>Why one thread: PR_SET_PDEATHSIG (set by setpriv for {@link SpawnRequest#dieWithAgent()}) fires when the
 * <em>thread</em> that spawned the child ends, not the process. A child started from a short-lived thread would
 * be killed when that thread ends. The spawner thread lives as long as this object; {@link #close()} ends it,
 * which sends SIGKILL to every dieWithAgent child still running: close it last, after stopping the programs.
 *
 * <p>Each child: its own session and process group (pgid == sid == pid), an empty signal mask and default signal
 * actions but SIGPIPE and SIGXFSZ ignored, as under supervisord (see {@code SpawnAttributes}), stdin from
 * /dev/null, stdout and stderr on two pipes, no other descriptor, exactly the requested environment. umask
 * changes are process-wide while a spawn runs, so a process has one Spawner.
 */
public final class Spawner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Spawner.class);

    // One core thread that never times out. CompletableFuture catches everything a task throws, so the thread
    // never dies and is never replaced by a new one (which would kill the children of the old one).
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), runnable -> {
                Thread t = new Thread(runnable, "baton-spawner");
                t.setDaemon(true);
                return t;
            });

    public Spawner() {
        thread.prestartCoreThread();
    }

    /**
     * Spawns on the spawner thread; the caller waits (uninterruptibly: an abandoned spawn would leak a child and its
     * pipes; a spawn takes about a millisecond).
     *
     * @return the child, whose pipe read ends now belong to the caller
     * @throws SpawnException         the program was not found, could not be executed, the user is unknown, ...
     * @throws IllegalStateException  after {@link #close()}
     */
    public SpawnedProcess spawn(SpawnRequest request) throws SpawnException {
        CompletableFuture<SpawnedProcess> result;
        try {
            result = CompletableFuture.supplyAsync(() -> spawnOnThisThread(request), thread);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("spawner is closed", e);
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SpawnException spawnException) {
                throw spawnException;
            }
            if (e.getCause() instanceof RuntimeException runtimeException) {
                throw runtimeException;
            }
            throw e;
        }
    }

    private static SpawnedProcess spawnOnThisThread(SpawnRequest request) {
        try {
            return PosixSpawn.spawn(request);
        } catch (SpawnException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * Replaces this process's program with {@code argv} (same pid), called from the spawner thread: the
     * thread that spawned every child is the one that survives execve (Linux ends all the others), so no
     * child's parent-death signal fires, and in the new JVM that task is the launcher's first thread, which
     * lives as long as the JVM. Blocks until the exec failed; on success it never returns.
     *
     * @param keep descriptors that must stay open in the new program (every other one is closed by the exec)
     * @return why execve failed (everything was undone, the agent goes on)
     */
    public String execInPlace(String path, java.util.List<String> argv, java.util.Map<String, String> env,
                              java.util.Set<Integer> keep) {
        try {
            return CompletableFuture.supplyAsync(() -> InPlaceExec.exec(path, argv, env, keep), thread).join();
        } catch (RejectedExecutionException e) {
            return "the spawner is closed";
        } catch (CompletionException e) {
            return "exec failed: " + e.getCause();
        }
    }

    /** Ends the spawner thread: children spawned with dieWithAgent get SIGKILL. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("spawner thread still busy 5 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
