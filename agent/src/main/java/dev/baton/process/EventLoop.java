package dev.baton.process;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's single owner thread, like supervisord's one loop: every change to program state
 * happens here; other threads (reaper, log reader, HTTP, signals) post events. Timers run on the
 * same thread and use the JVM's monotonic clock, so wall-clock jumps never fire or stall them.
 */
public final class EventLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;
    /** How many tasks the loop has started; written and read on the loop thread only. */
    private long taskNumber;

    public EventLoop() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "baton-loop");
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** A timer that can be cancelled; cancelling one that already ran is harmless. */
    public interface Timer {
        void cancel();
    }

    public void post(Runnable task) {
        if (!executor.isShutdown()) {
            executor.execute(guarded(task));
        }
    }

    public Timer schedule(Duration delay, Runnable task) {
        if (executor.isShutdown()) {
            return () -> { };
        }
        ScheduledFuture<?> f = executor.schedule(guarded(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    /** Runs {@code task} on the loop and waits for its result (for API reads and commands from other threads). */
    public <T> T call(Callable<T> task, Duration timeout) throws Exception {
        if (inLoop()) {
            return task.call();
        }
        Future<T> f = executor.submit(() -> {
            taskNumber++;
            return task.call();
        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            f.cancel(false);
            throw e;
        }
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The number of the loop task running now: equal for two calls made in the same task. Loop only. */
    public long taskNumber() {
        return taskNumber;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            taskNumber++;
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                // One failing event must never take the loop (and with it all supervision) down.
                log.error("internal error in the event loop (supervision continues)", e);
            }
        };
    }
}
