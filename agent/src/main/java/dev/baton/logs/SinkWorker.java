package dev.baton.logs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread "baton-log-sinks", started when a program first gets a log file or a follower: it
 * writes the file spools and delivers the followers' queues, so neither a slow disk nor a slow
 * follower ever holds up the reader. One thread for both keeps the agent at three log threads.
 */
final class SinkWorker {
    static final String THREAD_NAME = "baton-log-sinks";
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long CLOSE_TIMEOUT_MILLIS = 2000;

    private final CopyOnWriteArrayList<FileSink> files = new CopyOnWriteArrayList<>();
    private final List<Follower> followers = new CopyOnWriteArrayList<>();
    private volatile Thread thread;
    private volatile boolean closing;

    void add(FileSink sink) {
        files.addIfAbsent(sink);
        ensureStarted();
    }

    void add(Follower follower) {
        followers.add(follower);
        ensureStarted();
    }

    void remove(Follower follower) {
        followers.remove(follower);
    }

    /** Called after queueing work; cheap when the thread is busy. */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Reader thread, before it goes idle: wakes the thread if file lines are waiting. */
    void wakeIfPending() {
        for (FileSink f : files) {
            if (f.hasPending()) {
                wake();
                return;
            }
        }
    }

    /** Waits (at most {@code limitNanos}) until every file line handed to this worker is written. */
    boolean awaitWritten(long limitNanos) {
        long deadline = System.nanoTime() + limitNanos;
        while (files.stream().anyMatch(FileSink::hasPending)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            wake();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    private synchronized void ensureStarted() {
        if (thread == null && !closing) {
            Thread t = new Thread(this::loop, THREAD_NAME);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    private void loop() {
        while (true) {
            boolean last = closing;
            boolean worked = false;
            for (FileSink f : files) {
                worked |= f.drain();
                if (f.isDone()) {
                    f.closeFile();
                    files.remove(f);
                }
            }
            for (Follower f : followers) {
                worked |= f.deliver();
            }
            if (!worked) {
                if (last) {
                    break;
                }
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
        for (FileSink f : files) {
            f.closeFile();
        }
    }

    /** Writes what is pending (at most about 2 s for a stalled disk), closes the files, stops. */
    void close() {
        Thread t;
        synchronized (this) {
            closing = true;
            t = thread;
        }
        for (Follower f : followers) {
            f.close();
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(CLOSE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
