package dev.baton.logs;

import java.nio.ByteBuffer;

/**
 * A bounded double buffer of whole lines between producers that must never block (the reader
 * thread, loggers) and one consumer thread that writes batches to a slow place (stdout, a file).
 * Producers append under a short lock; the consumer swaps the filled buffer for its empty one and
 * writes it without the lock. A line that does not fit is dropped whole and counted. A small
 * reserve stays free for the consumer's own "dropped N lines" notice.
 */
final class LineSpool {
    /** Results of an append. */
    static final int DROPPED = 0, APPENDED = 1, APPENDED_TO_EMPTY = 2;

    private static final int NOTICE_RESERVE = 256;
    private static final int INITIAL = 64 * 1024;

    /** The consumer's side of the double buffer: a filled batch to write, then reused. */
    static final class Batch {
        private byte[] bytes = new byte[0];
        private int length;
        private int lines;

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes, 0, length);
        }

        byte[] bytes() {
            return bytes;
        }

        int length() {
            return length;
        }

        int lines() {
            return lines;
        }
    }

    private final int capacity;
    private byte[] fill;
    private int fillLen;
    private int fillLines;
    private long dropped;
    private long unreportedDrops;

    /** @param capacity bytes the producers may have pending; buffers grow to it on demand */
    LineSpool(int capacity, boolean preallocate) {
        if (capacity <= NOTICE_RESERVE) {
            throw new IllegalArgumentException("buffer too small: " + capacity + " bytes");
        }
        this.capacity = capacity;
        this.fill = new byte[preallocate ? capacity : Math.min(capacity, INITIAL)];
    }

    /** Appends {@code prefix} (may be null), the line and '\n', or drops the line whole. */
    synchronized int append(byte[] prefix, byte[] buf, int off, int len) {
        int prefixLen = prefix == null ? 0 : prefix.length;
        int need = prefixLen + len + 1;
        if (fillLen + need > capacity - NOTICE_RESERVE) {
            dropped++;
            unreportedDrops++;
            return DROPPED;
        }
        int result = fillLen == 0 ? APPENDED_TO_EMPTY : APPENDED;
        ensure(fillLen + need);
        if (prefixLen > 0) {
            System.arraycopy(prefix, 0, fill, fillLen, prefixLen);
            fillLen += prefixLen;
        }
        System.arraycopy(buf, off, fill, fillLen, len);
        fillLen += len;
        fill[fillLen++] = '\n';
        fillLines++;
        return result;
    }

    /** Appends an agent line; {@code useReserve} lets the consumer's notice use the reserve. */
    synchronized int appendText(byte[] text, boolean useReserve) {
        boolean endsWithNewline = text.length > 0 && text[text.length - 1] == '\n';
        int need = text.length + (endsWithNewline ? 0 : 1);
        if (fillLen + need > capacity - (useReserve ? 0 : NOTICE_RESERVE)) {
            dropped++;
            unreportedDrops++;
            return DROPPED;
        }
        int result = fillLen == 0 ? APPENDED_TO_EMPTY : APPENDED;
        ensure(fillLen + need);
        System.arraycopy(text, 0, fill, fillLen, text.length);
        fillLen += text.length;
        if (!endsWithNewline) {
            fill[fillLen++] = '\n';
        }
        fillLines++;
        return result;
    }

    /** Consumer: swaps the filled buffer into {@code batch} (length 0 when there was nothing). */
    synchronized void take(Batch batch) {
        byte[] filled = fill;
        fill = batch.bytes.length >= Math.min(filled.length, capacity) ? batch.bytes : new byte[filled.length];
        batch.bytes = filled;
        batch.length = fillLen;
        batch.lines = fillLines;
        fillLen = 0;
        fillLines = 0;
    }

    /** Consumer: drops counted since the last call (for one "dropped N lines" notice). */
    synchronized long takeUnreportedDrops() {
        long n = unreportedDrops;
        unreportedDrops = 0;
        return n;
    }

    /** Counts lines lost after they were accepted (the consumer could not write them). */
    synchronized void countLost(int lines) {
        dropped += lines;
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized boolean isEmpty() {
        return fillLen == 0;
    }

    private void ensure(int size) {
        if (size > fill.length) {
            int n = fill.length;
            while (n < size) {
                n *= 2;
            }
            byte[] bigger = new byte[Math.min(n, capacity)];
            System.arraycopy(fill, 0, bigger, 0, fillLen);
            fill = bigger;
        }
    }
}
