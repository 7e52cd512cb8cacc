package dev.baton.process.os;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps every child of the process with a blocking {@code waitpid(-1)} on its own daemon thread, "baton-reaper",
 * and reports each exit to the listener: the program instances, and orphans that re-parented to the agent as
 * child subreaper (the listener ignores pids it does not know).
 *
 * <p>Ordering: the child can exit, and be reported here, before the spawning code has registered its pid. The
 * supervisor calls {@link Spawner#spawn} on its event-loop thread and registers the pid before it processes the
 * next event; the listener posts exits to that same loop, so an exit is always handled after the registration.
 * A listener that is not on such a loop must itself tolerate an exit for a pid it has not registered yet.
 *
 * <p>With no children, waitpid fails with ECHILD: the thread then sleeps on a condition until
 * {@link #childSpawned()} or {@link #close()}, it never spins. Nothing can interrupt a blocking waitpid, so a reaper
 * closed while children still run ends at the next exit, which it reaps without reporting (it is a daemon thread,
 * it never holds the JVM). Close it after the children are gone.
 *
 * <p>No java.lang.Process may be used next to a Reaper: waitpid(-1) would steal its children.
 */
public final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private final ExitListener listener;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private boolean childMayExist; // guarded by lock
    private boolean paused; // guarded by lock
    private volatile boolean closed;
    private volatile boolean inWaitpid;

    public Reaper(ExitListener listener) {
        this.listener = listener;
        this.thread = new Thread(this::reapUntilClosed, "baton-reaper");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Call after each spawn: wakes the reaper if it idles because there were no children. */
    public void childSpawned() {
        signal(() -> childMayExist = true);
    }

    /**
     * Stops reaping until {@link #resume()}: children that exit meanwhile stay zombies, waiting to be reaped
     * (by this reaper after a resume, or by the next agent after an exec in place). Returns once no exit is
     * being reported any more: every exit reaped so far was handed to the listener.
     */
    public void pause() {
        signal(() -> paused = true);
    }

    public void resume() {
        signal(() -> paused = false);
    }

    /**
     * Stops reporting, and reaps (unreported) every child that has already exited: the grandchildren
     * a stop killed last die just before the agent closes this, and an agent that goes on living
     * (embedded, tests) must not keep them as zombies. Children still running are left alone.
     */
    @Override
    public void close() {
        closed = true;
        signal(() -> { });
        if (thread.isAlive() && !inWaitpid) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int[] status = new int[1];
        while (LibC.INSTANCE.waitpid(-1, status, LibC.WNOHANG) > 0) {
            // reaped one; a 0 (children, none exited) or -1 (ECHILD) ends it
        }
    }

    private void signal(Runnable change) {
        lock.lock();
        try {
            change.run();
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void reapUntilClosed() {
        try {
            reapLoop();
        } catch (RuntimeException | Error e) {
            LOG.error("reaper stopped: exits are no longer reported", e);
            throw e;
        }
    }

    /**
     * waitid(WNOWAIT) waits for an exit without reaping it; the child is reaped under the lock, and
     * only while not paused, so that {@link #pause()} leaves every later exit waitable.
     */
    private void reapLoop() {
        int[] status = new int[1];
        jnr.ffi.Pointer info = jnr.ffi.Memory.allocateDirect(LibC.runtime(), LibC.SIGINFO_SIZE, true);
        int pidOffset = LibC.runtime().addressSize() == 8 ? 16 : 12;
        while (!closed) {
            inWaitpid = true;
            info.putInt(pidOffset, 0);
            int result = LibC.INSTANCE.waitid(LibC.P_ALL, 0, info, LibC.WEXITED | LibC.WNOWAIT);
            int errno = LibC.errno();
            inWaitpid = false;
            if (result == 0 && info.getInt(pidOffset) > 0) {
                reapUnlessPaused(info.getInt(pidOffset), status);
            } else if (result != 0 && errno == LibC.ECHILD) {
                awaitChild();
            } else if (result != 0 && errno != LibC.EINTR) {
                LOG.error("waitid failed: {}", ErrorNumbers.describe(errno));
                awaitChild(); // never spin on an unexpected error
            }
        }
    }

    private void reapUnlessPaused(int pid, int[] status) {
        lock.lock();
        try {
            while (paused && !closed) {
                wakeUp.awaitUninterruptibly();
            }
            if (LibC.INSTANCE.waitpid(pid, status, LibC.WNOHANG) == pid) {
                report(pid, ExitStatus.fromWaitStatus(status[0]));
            }
        } finally {
            lock.unlock();
        }
    }

    private void report(int pid, ExitStatus status) {
        if (closed) {
            return;
        }
        try {
            listener.onExit(pid, status);
        } catch (RuntimeException e) {
            LOG.error("exit listener failed for pid {} ({})", pid, status, e);
        }
    }

    /** Sleeps until a child may exist. A wake-up left over from earlier costs one more ECHILD, not a spin. */
    private void awaitChild() {
        lock.lock();
        try {
            while (!childMayExist && !closed) {
                wakeUp.awaitUninterruptibly();
            }
            childMayExist = false;
        } finally {
            lock.unlock();
        }
    }
}
