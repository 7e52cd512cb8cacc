package dev.baton.logs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/**
 * A bounded circular buffer of whole lines between producers that must never block (the reader
 * thread, loggers) and one consumer thread that writes to a slow place (stdout, a file). Producers
 * append under a short lock; the consumer writes a contiguous segment without the lock and then
 * releases it. A line never wraps around the end of the buffer (it starts again at 0 instead), so
 * every segment ends at a line end. A line that does not fit is dropped whole and counted; a small
 * reserve stays free for the consumer's own "dropped N lines" notice.
 */
final class LineSpool {
    /** Results of an append: dropped, or appended and the consumer need (not) be woken now. */
    static final int DROPPED = 0, APPENDED = 1, WAKE_CONSUMER = 2;
    /** A deferred wake-up comes when this much is pending (or when the reader goes idle). */
    static final int DEFERRED_WAKE_BYTES = 64 * 1024;

    private static final int NOTICE_RESERVE = 256;
    /** The buffer starts this small and doubles up to its capacity when lines do not fit. */
    static final int INITIAL_BYTES = 64 * 1024;

    private final int capacity;
    private byte[] buf;
    private int head;
    private int tail;
    /** When the writer has wrapped to the start: data is [head, wrapEnd) then [0, tail). */
    private boolean wrapped;
    private int wrapEnd;
    private int used;
    private long dropped;
    private long unreportedDrops;

    LineSpool(int capacity) {
        if (capacity <= 2 * NOTICE_RESERVE) {
            throw new IllegalArgumentException("buffer too small: " + capacity + " bytes");
        }
        this.capacity = capacity;
        // A quiet agent keeps 64 KiB, not the whole capacity (2 MiB for stdout): resident memory
        this.buf = new byte[Math.min(capacity, INITIAL_BYTES)];
    }

    /**
     * Appends {@code prefix} (may be null), the line and '\n', or drops the line whole. With
     * {@code deferWake}, the consumer is woken only once {@link #DEFERRED_WAKE_BYTES} are pending:
     * the reader wakes it itself before it goes idle, so a burst costs a few big writes, not one
     * wake-up and one small write per read.
     */
    synchronized int append(byte[] prefix, byte[] line, int off, int len, boolean deferWake) {
        int prefixLen = prefix == null ? 0 : prefix.length;
        int at = reserve(prefixLen + len + 1, NOTICE_RESERVE);
        if (at < 0) {
            return drop();
        }
        if (prefixLen > 0) {
            System.arraycopy(prefix, 0, buf, at, prefixLen);
        }
        System.arraycopy(line, off, buf, at + prefixLen, len);
        buf[at + prefixLen + len] = '\n';
        return appended(prefixLen + len + 1, deferWake);
    }

    /**
     * Appends whole lines ({@code len} bytes, each line ending with '\n') in one piece, or nothing
     * (DROPPED: then the caller offers them one by one, so that those that fit still go).
     */
    synchronized int appendLines(byte[] lines, int off, int len, boolean deferWake) {
        int at = reserve(len, NOTICE_RESERVE);
        if (at < 0) {
            return DROPPED;
        }
        System.arraycopy(lines, off, buf, at, len);
        return appended(len, deferWake);
    }

    /** Appends a text (a newline added if missing), waking the consumer. */
    synchronized int appendText(byte[] text) {
        int result = appendText(text, NOTICE_RESERVE);
        return result == DROPPED ? drop() : result;
    }

    /**
     * Consumer: if lines were dropped since the last notice, appends the notice {@code format}
     * makes of their number (in the reserve); when even that does not fit, the count stays pending.
     */
    synchronized void appendDropNotice(LongFunction<String> format) {
        if (unreportedDrops > 0) {
            byte[] notice = format.apply(unreportedDrops).getBytes(StandardCharsets.UTF_8);
            if (appendText(notice, 0) != DROPPED) {
                unreportedDrops = 0;
            }
        }
    }

    private int appendText(byte[] text, int keepFree) {
        boolean newline = text.length == 0 || text[text.length - 1] != '\n';
        int need = text.length + (newline ? 1 : 0);
        int at = reserve(need, keepFree);
        if (at < 0) {
            return DROPPED;
        }
        System.arraycopy(text, 0, buf, at, text.length);
        if (newline) {
            buf[at + text.length] = '\n';
        }
        return appended(need, false);
    }

    private int appended(int need, boolean deferWake) {
        int mark = deferWake ? Math.min(DEFERRED_WAKE_BYTES, capacity / 4) : 1;
        return used - need < mark && used >= mark ? WAKE_CONSUMER : APPENDED;
    }

    /** Claims {@code need} contiguous bytes and returns where, or -1; drops are counted by callers. */
    private int reserve(int need, int keepFree) {
        if (used == 0) {
            head = 0;
            tail = 0;
            wrapped = false;
        }
        if (used + need > capacity - keepFree) {
            return -1;
        }
        if (used + need > buf.length - keepFree || !fits(need)) {
            grow(used + need + keepFree);
        }
        int at;
        if (!wrapped && buf.length - tail >= need) {
            at = tail;
        } else if (!wrapped && head >= need) {
            wrapped = true;
            wrapEnd = tail;
            at = 0;
        } else if (wrapped && head - tail >= need) {
            at = tail;
        } else {
            return -1;
        }
        tail = at + need;
        used += need;
        return at;
    }

    private boolean fits(int need) {
        return wrapped ? head - tail >= need : buf.length - tail >= need || head >= need;
    }

    /**
     * Doubles the buffer (up to the capacity) until {@code min} bytes fit, moving what is pending to
     * its start in order. The consumer may be writing from the old array meanwhile: those bytes are
     * unchanged there, and its release(n) counts from head, which stays the first pending byte.
     */
    private void grow(int min) {
        if (buf.length >= capacity) {
            return;
        }
        int size = buf.length;
        while (size < min && size < capacity) {
            size = (int) Math.min((long) size * 2, capacity);
        }
        byte[] bigger = new byte[size];
        int end = wrapped ? wrapEnd : tail;
        System.arraycopy(buf, head, bigger, 0, end - head);
        if (wrapped) {
            System.arraycopy(buf, 0, bigger, end - head, tail);
        }
        buf = bigger;
        head = 0;
        tail = used;
        wrapped = false;
    }

    private int drop() {
        dropped++;
        unreportedDrops++;
        return DROPPED;
    }

    /** Consumer: the next contiguous run of whole lines to write (empty when there is none). */
    synchronized ByteBuffer next() {
        int end = wrapped ? wrapEnd : tail;
        return ByteBuffer.wrap(buf, head, end - head);
    }

    /** Consumer: releases the first {@code n} bytes returned by {@link #next}. */
    synchronized void release(int n) {
        head += n;
        used -= n;
        if (wrapped && head == wrapEnd) {
            wrapped = false;
            head = 0;
        }
        if (!wrapped && head == tail) {
            head = 0; // empty: start over for the longest contiguous room
            tail = 0;
        }
    }

    /** Consumer: counts lines accepted earlier that could not be written. */
    synchronized void countLost(long lines) {
        dropped += lines;
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized boolean isEmpty() {
        return used == 0;
    }
}
