package dev.baton.logs;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    /** Queued text is bounded too: 4096 long lines would otherwise hold hundreds of MB. */
    static final int QUEUE_CHARS = 1 << 20;
    private static final int BATCH = 256;
    private static final RateLimitedLog FAILURES =
            new RateLimitedLog(LoggerFactory.getLogger(Follower.class), 30, TimeUnit.SECONDS);

    private final String program;
    private final Consumer<LogLine> subscriber;
    private final ArrayBlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final AtomicLong lost = new AtomicLong();
    private final AtomicInteger queuedChars = new AtomicInteger();
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
            queuedChars.set(0);
            onClose.accept(this);
        }
    }

    /** Reader thread: queues a line; true when the queue was empty (the sink thread should wake). */
    boolean offer(LogLine line) {
        if (closed) {
            return false;
        }
        boolean wasEmpty = queue.isEmpty();
        int chars = line.text().length();
        if (queuedChars.get() + chars > QUEUE_CHARS || !queue.offer(line)) {
            lost.incrementAndGet();
        } else {
            queuedChars.addAndGet(chars);
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
            queuedChars.addAndGet(-line.text().length());
            try {
                subscriber.accept(line);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                FAILURES.warn("a follower of " + program + " failed", e);
            }
        }
        return any;
    }
}
