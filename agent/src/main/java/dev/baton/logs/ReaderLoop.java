package dev.baton.logs;

import static dev.baton.logs.LinuxIo.C;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.slf4j.LoggerFactory;

/**
 * The thread "baton-log-reader": one epoll loop over every attached pipe. Each ready pipe gets at
 * most one read of 256 KiB per round (fairness), into one reused heap buffer (one for all pipes, so
 * its size costs little; jnr pins it for the call instead of copying from a native buffer); the
 * lines are framed and dispatched right there. Sinks never block this thread, so pipes are always
 * drained; their buffers are enlarged ({@link PipeBuffer}) to absorb bursts.
 */
final class ReaderLoop {
    static final String THREAD_NAME = "baton-log-reader";
    static final int CHUNK = 256 * 1024;
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

    private void run() {
        try {
            while (!closing) {
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
        for (int i = 0; i < n; i++) {
            int fd = epoll.fd(i);
            if (epoll.isWakeUp(fd)) {
                epoll.clearWakeUp();
            } else if (fd >= 0 && fd < byFd.length && byFd[fd] != null) {
                readOnce(byFd[fd], now);
            }
        }
        registerPending();
    }

    private void readOnce(AttachedPipe pipe, long now) {
        try {
            long n = C.read(pipe.fd, buf, CHUNK);
            if (n > 0) {
                pipe.feed(buf, (int) n, now);
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
