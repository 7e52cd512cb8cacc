package dev.baton.logs;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.LoggerFactory;

/**
 * One subscriber of a program's new lines. The reader queues lines (bounded); the sink thread hands
 * them to the subscriber. When the subscriber is too slow, new lines are lost and counted (a gap
 * also shows in {@link LogLine#seq()}); the reader never waits. Close it to unsubscribe.
 */
public final class Follower implements AutoCloseable {
    static final int QUEUE_LINES = 4096;
    private static final int BATCH = 256;
    private static final RateLimitedLog FAILURES =
            new RateLimitedLog(LoggerFactory.getLogger(Follower.class), 30, TimeUnit.SECONDS);

    private final String program;
    private final Consumer<LogLine> subscriber;
    private final ArrayBlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final AtomicLong lost = new AtomicLong();
    private final Consumer<Follower> onClose;
    private volatile boolean closed;

    Follower(String program, Consumer<LogLine> subscriber, Consumer<Follower> onClose) {
        this.program = program;
        this.subscriber = subscriber;
        this.onClose = onClose;
    }

    /** Lines this follower lost because it did not keep up. */
    public long lostLines() {
        return lost.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Unsubscribes; lines still queued are not delivered. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            queue.clear();
            onClose.accept(this);
        }
    }

    /** Reader thread: queues a line; true when the queue was empty (the sink thread should wake). */
    boolean offer(LogLine line) {
        if (closed) {
            return false;
        }
        boolean wasEmpty = queue.isEmpty();
        if (!queue.offer(line)) {
            lost.incrementAndGet();
        }
        return wasEmpty;
    }

    /** Sink thread: delivers up to a batch of lines; true when there was something to do. */
    boolean deliver() {
        boolean any = false;
        for (int i = 0; i < BATCH && !closed; i++) {
            LogLine line = queue.poll();
            if (line == null) {
                break;
            }
            any = true;
            try {
                subscriber.accept(line);
            } catch (RuntimeException e) {
                FAILURES.warn("a follower of " + program + " failed", e);
            }
        }
        return any;
    }
}
