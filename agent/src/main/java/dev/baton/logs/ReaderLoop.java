package dev.baton.logs;

import static dev.baton.logs.LinuxIo.C;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.LoggerFactory;

/**
 * The thread "baton-log-reader": one epoll loop over every attached pipe. Each ready pipe gets at
 * most one read of 256 KiB per round (fairness), into one reused heap buffer (one for all pipes, so
 * its size costs little; jnr pins it for the call instead of copying from a native buffer); the
 * lines are framed and dispatched right there. A full sink holds this thread only while its writer
 * makes progress (at most the stall timeout without any: see {@link LineSpool}); pipe buffers are
 * enlarged ({@link PipeBuffer}) to absorb bursts meanwhile.
 */
final class ReaderLoop {
    static final String THREAD_NAME = "baton-log-reader";
    static final int CHUNK = 256 * 1024;
    /** A round that read less than this was a trickle: the reader lingers before the next one. */
    static final int LINGER_BELOW_BYTES = 32 * 1024;
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);
    private static final RateLimitedLog FAILURES =
            new RateLimitedLog(LoggerFactory.getLogger(ReaderLoop.class), 10, TimeUnit.SECONDS);

    private final Epoll epoll = new Epoll();
    private final PipeBuffer pipeBuffer = new PipeBuffer();
    private final byte[] buf = new byte[CHUNK];
    /** Pipes waiting to be registered; guarded by itself, with {@link #closed}. */
    private final ArrayDeque<AttachedPipe> pending = new ArrayDeque<>();
    private boolean closed;
    /** Attached pipes by fd; reader thread only. */
    private AttachedPipe[] byFd = new AttachedPipe[64];
    private volatile boolean closing;
    /** Set by {@link #pause}: the reader stops between rounds, fds stay open and registered. */
    private volatile boolean pauseWanted;
    private final java.util.concurrent.Semaphore pausedAck = new java.util.concurrent.Semaphore(0);
    private final Thread thread;
    /** Run before the reader blocks: wakes the writers whose wake-ups were deferred. */
    private final Runnable beforeIdle;

    ReaderLoop(Runnable beforeIdle) {
        this.beforeIdle = beforeIdle;
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** Any thread: hands a pipe to the reader (which then owns its fd). */
    void attach(AttachedPipe pipe) {
        synchronized (pending) {
            if (closed) {
                LinuxIo.close(pipe.fd);
                throw new IllegalStateException("the log pipeline is closed");
            }
            pending.add(pipe);
            epoll.wakeUp(); // under the lock: the eventfd is closed only after closed is set
        }
    }

    /** Stops the reader: partial last lines are flushed and every fd is closed. Idempotent. */
    void close() {
        closing = true;
        LockSupport.unpark(thread); // paused: it parks until resumed or closed
        synchronized (pending) {
            if (!closed) {
                epoll.wakeUp();
            }
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops reading after the current round, the fds open: what the programs write meanwhile waits in
     * their pipes, and a line begun but not ended stays in its framer ({@link #pending}: handed to the
     * next agent, or read on from there after {@link #resume}; one of more than
     * {@link PendingLine#MAX_HANDED_OVER} bytes is handed on as a line now). Returns false when the
     * reader did not stop within {@code limit} (then it is resumed).
     */
    boolean pause(long limitNanos) {
        pauseWanted = true;
        synchronized (pending) {
            if (!closed) {
                epoll.wakeUp();
            }
        }
        try {
            if (pausedAck.tryAcquire(limitNanos, TimeUnit.NANOSECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resume();
        return false;
    }

    void resume() {
        pauseWanted = false;
        LockSupport.unpark(thread);
    }

    /**
     * After {@link #pause} (the reader parked; its pause acknowledgement orders this after its last
     * read): the lines begun but not ended, by fd.
     */
    java.util.Map<Integer, PendingLine> pending() {
        java.util.Map<Integer, PendingLine> out = new java.util.TreeMap<>();
        for (AttachedPipe p : byFd) {
            PendingLine line = p == null ? null : p.pending();
            if (line != null) {
                out.put(p.fd, line);
            }
        }
        return out;
    }

    /** The pipes being read now, by fd: "program/STDOUT" (after {@link #pause}: a stable set). */
    java.util.Map<Integer, String> fds() {
        java.util.Map<Integer, String> out = new java.util.TreeMap<>();
        for (AttachedPipe p : byFd) {
            if (p != null) {
                out.put(p.fd, p.owner());
            }
        }
        return out;
    }

    private void stayPaused() {
        long now = System.currentTimeMillis();
        for (AttachedPipe pipe : byFd) {
            if (pipe != null) {
                pipe.flushPartialLongerThan(PendingLine.MAX_HANDED_OVER, now);
            }
        }
        beforeIdle.run();
        pausedAck.release();
        while (pauseWanted && !closing) {
            LockSupport.park(this);
        }
        pausedAck.drainPermits();
    }

    private void run() {
        try {
            while (!closing) {
                if (pauseWanted) {
                    registerPending();
                    stayPaused();
                    continue;
                }
                round();
            }
        } catch (RuntimeException | Error e) {
            LoggerFactory.getLogger(ReaderLoop.class).error("the log reader stopped: program output is no longer read", e);
            throw e;
        } finally {
            shutDown();
        }
    }

    private void round() {
        int n = epoll.await(0);
        if (n == 0) {
            beforeIdle.run();
            n = epoll.await(-1);
        }
        long now = System.currentTimeMillis();
        long read = 0;
        for (int i = 0; i < n; i++) {
            int fd = epoll.fd(i);
            if (epoll.isWakeUp(fd)) {
                epoll.clearWakeUp();
            } else if (fd >= 0 && fd < byFd.length && byFd[fd] != null) {
                read += readOnce(byFd[fd], now);
            }
        }
        registerPending();
        if (read > 0 && read < LINGER_BELOW_BYTES) {
            linger();
        }
    }

    /**
     * After a round that found only a little (a program writing line by line, each line its own
     * write(2)), waits a moment before looking again, so the next read takes hundreds of lines
     * instead of one: a flood of single-line writes then costs the reader about a thousand wake-ups
     * per second instead of one per line. The first line after a quiet spell is still read at once;
     * a line that follows it within the pause waits at most {@link #LINGER_NANOS}. The writers are
     * woken first, so their lines do not wait for the pause either.
     */
    private void linger() {
        beforeIdle.run();
        LockSupport.parkNanos(LINGER_NANOS);
    }

    /** Reads once from {@code pipe}; returns the bytes read. */
    private long readOnce(AttachedPipe pipe, long now) {
        try {
            long n = C.read(pipe.fd, buf, CHUNK);
            if (n > 0) {
                pipe.feed(buf, (int) n, now);
                return n;
            } else if (n == 0) {
                detach(pipe, now);
            } else {
                int errno = LinuxIo.errno();
                if (errno != LinuxIo.EAGAIN && errno != LinuxIo.EINTR) {
                    FAILURES.warn("reading fd " + pipe.fd + " failed (errno " + errno + "): closing it", null);
                    detach(pipe, now);
                }
            }
        } catch (RuntimeException | Error e) {
            // Whatever went wrong with one line, the pipes must go on being drained
            FAILURES.warn("a log line could not be handled", e);
        }
        return 0;
    }

    private void detach(AttachedPipe pipe, long now) {
        byFd[pipe.fd] = null;
        epoll.remove(pipe.fd);
        LinuxIo.close(pipe.fd);
        pipe.finish(now);
    }

    private void registerPending() {
        while (true) {
            AttachedPipe pipe;
            synchronized (pending) {
                pipe = pending.poll();
            }
            if (pipe == null) {
                return;
            }
            try {
                LinuxIo.setNonBlocking(pipe.fd);
                pipeBuffer.enlarge(pipe.fd);
                epoll.add(pipe.fd);
            } catch (RuntimeException e) {
                FAILURES.warn("cannot read the pipe " + pipe.fd + ": " + e.getMessage(), null);
                LinuxIo.close(pipe.fd);
                continue;
            }
            if (pipe.fd >= byFd.length) {
                byFd = Arrays.copyOf(byFd, Math.max(byFd.length * 2, pipe.fd + 1));
            }
            byFd[pipe.fd] = pipe;
        }
    }

    private void shutDown() {
        synchronized (pending) {
            closed = true; // from now on nobody writes to the eventfd
        }
        registerPending();
        long now = System.currentTimeMillis();
        for (AttachedPipe pipe : byFd) {
            if (pipe != null) {
                try {
                    detach(pipe, now);
                } catch (RuntimeException e) {
                    FAILURES.warn("a log line could not be handled", e);
                }
            }
        }
        epoll.close();
    }
}
