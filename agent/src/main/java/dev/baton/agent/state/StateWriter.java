package dev.baton.agent.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the state files on its own thread, so that the event loop never waits for a disk: an
 * fsync of file and directory costs milliseconds (far more on a busy disk), and a handover line
 * that arrives meanwhile waited for it. The loop hands over an immutable snapshot; only the newest
 * pending snapshot of each file is written (a later snapshot replaces an older one that was not
 * written yet, so an older one never lands after a newer one). Failures are reported by
 * {@link StateFile#save} as before: logged, and in {@link StateFile#problem()}.
 */
public final class StateWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateWriter.class);

    private record Pending<T>(StateFile<T> file, T snapshot, boolean durable) {
        void write() {
            file.save(snapshot, durable);
        }
    }

    private final Object lock = new Object();
    /** The newest snapshot per file that is not written yet, in the order the files were first submitted. */
    private final Map<StateFile<?>, Pending<?>> pending = new LinkedHashMap<>();
    /** How many submissions there were, and how many of them are written (or failed and reported). */
    private long submitted;
    private long written;
    private boolean closed;
    /** The thread has written the last batch after close() and ended. */
    private boolean stopped;
    private final Thread thread;

    public StateWriter() {
        thread = new Thread(this::run, "baton-state");
        thread.setDaemon(true); // close() flushes; a forgotten writer must not keep the JVM alive
        thread.start();
    }

    /**
     * Queues {@code snapshot} for {@code file}, replacing a pending older one. A durable write
     * stays durable when a non-durable snapshot replaces it (the newer content holds what had to
     * be durable). After {@link #close()}, writes at once on the caller's thread.
     */
    public <T> void submit(StateFile<T> file, T snapshot, boolean durable) {
        synchronized (lock) {
            if (stopped) {
                file.save(snapshot, durable); // under the lock: never two writers of a file
                return;
            }
            Pending<?> older = pending.get(file);
            pending.put(file, new Pending<>(file, snapshot, durable || older != null && older.durable()));
            submitted++;
            lock.notifyAll();
        }
    }

    /**
     * Waits until everything submitted before this call is written (or has failed and was reported).
     *
     * @return false when {@code limit} passed first
     */
    public boolean flush(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (lock) {
            long target = submitted;
            while (written < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Writes what is pending (and what comes in meanwhile), then stops the thread; later
     * submissions are written on the caller's thread.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            List<Pending<?>> batch;
            long upTo;
            synchronized (lock) {
                while (pending.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // only close() ends this thread: what is pending must still be written
                    }
                }
                if (pending.isEmpty()) {
                    stopped = true; // closed, and everything is written
                    return;
                }
                batch = new ArrayList<>(pending.values());
                pending.clear();
                upTo = submitted;
            }
            for (Pending<?> p : batch) {
                try {
                    p.write();
                } catch (RuntimeException | Error e) {
                    // save() reports I/O and serialisation failures itself; anything else must not end the writer
                    log.error("state: internal error writing {} (the writer goes on)", p.file().path(), e);
                }
            }
            synchronized (lock) {
                written = upTo;
                lock.notifyAll();
            }
        }
    }
}
