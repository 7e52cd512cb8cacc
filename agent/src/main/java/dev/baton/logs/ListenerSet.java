package dev.baton.logs;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.slf4j.LoggerFactory;

/** The line listeners, called on the reader thread; a throwing listener is logged, never fatal. */
final class ListenerSet {
    private static final LineListener[] NONE = {};
    private static final RateLimitedLog FAILURES =
            new RateLimitedLog(LoggerFactory.getLogger(ListenerSet.class), 10, TimeUnit.SECONDS);

    private volatile LineListener[] listeners = NONE;

    synchronized void add(LineListener listener) {
        Objects.requireNonNull(listener, "listener");
        LineListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
        next[listeners.length] = listener;
        listeners = next;
    }

    void fire(String program, StreamKind stream, byte[] buf, int off, int len) {
        for (LineListener l : listeners) {
            offer(l, program, stream, buf, off, len);
        }
    }

    /**
     * A run of lines (see {@link LineFramer.Lines#lines}) to each listener, a listener at a time: in
     * one call to a {@link RunListener}, line by line to the others.
     */
    void fireRun(String program, StreamKind stream, byte[] buf, int off, int[] ends, int count) {
        for (LineListener l : listeners) {
            if (l instanceof RunListener r) {
                try {
                    r.onRun(program, stream, buf, off, ends, count);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable e) {
                    failed(l, "a run of " + count + " lines", program, e);
                }
                continue;
            }
            for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
                offer(l, program, stream, buf, start, ends[i] - start);
            }
        }
    }

    private static void offer(LineListener l, String program, StreamKind stream, byte[] buf, int off, int len) {
        try {
            l.onLine(program, stream, buf, off, len);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            failed(l, "a line", program, e);
        }
    }

    private static void failed(LineListener l, String what, String program, Throwable e) {
        FAILURES.warn("line listener " + l.getClass().getName() + " failed on " + what + " of " + program, e);
    }
}
