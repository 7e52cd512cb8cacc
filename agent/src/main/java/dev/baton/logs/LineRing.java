package dev.baton.logs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last lines of one program, bounded by a line count and by a byte budget. Line bytes live in
 * one circular arena (a line may wrap around its end) next to small parallel arrays of metadata, so
 * adding a line allocates nothing; both grow on demand up to their bounds. Bytes are decoded (UTF-8,
 * invalid sequences replaced) only when a tail is taken.
 *
 * <p>The reader adds a read's lines under one lock acquisition ({@link #beginBatch}, {@link #append},
 * {@link #endBatch}) instead of one per line; a tail taken meanwhile waits for the end of that read.
 */
final class LineRing {
    private static final int MAX_ARENA = 1 << 30;
    private static final int INITIAL_ARENA = 16 * 1024;
    private static final int INITIAL_ENTRIES = 64;
    private static final StreamKind[] KINDS = StreamKind.values();

    private int maxLines;
    private int maxBytes;
    private byte[] arena = new byte[0];
    private int[] starts = new int[0];
    private int[] lengths = new int[0];
    private long[] times = new long[0];
    private byte[] kinds = new byte[0];
    /** Metadata index of the oldest line. */
    private int first;
    private int count;
    private int head;
    private int usedBytes;
    private long lastSeq;
    /** New bounds {lines, bytes} not applied yet (see {@link #resize}). */
    private volatile long[] pendingLimits;
    private final ReentrantLock lock = new ReentrantLock();

    LineRing(int maxLines, long maxBytes) {
        setLimits(maxLines, maxBytes);
    }

    private void setLimits(int lines, long bytes) {
        this.maxLines = Math.max(0, lines);
        this.maxBytes = (int) Math.max(0, Math.min(bytes, MAX_ARENA));
    }

    /** Adds one line (taking the lock for it). */
    void add(long seq, long timeMillis, StreamKind stream, byte[] buf, int off, int len) {
        lock.lock();
        try {
            applyPendingLimits();
            append(seq, timeMillis, stream, buf, off, len);
        } finally {
            lock.unlock();
        }
    }

    /** Takes the lock for the {@link #append}s of one read. */
    void beginBatch() {
        lock.lock();
        applyPendingLimits();
    }

    void endBatch() {
        lock.unlock();
    }

    /** Adds one line; the caller holds the lock ({@link #beginBatch}). */
    void append(long seq, long timeMillis, StreamKind stream, byte[] buf, int off, int len) {
        lastSeq = seq;
        if (maxLines == 0 || maxBytes == 0) {
            return;
        }
        len = Math.min(len, maxBytes);
        while (count > 0 && (count == maxLines || usedBytes + len > maxBytes)) {
            evictOldest();
        }
        if (count == starts.length) {
            rebuild(grow(starts.length, count + 1, INITIAL_ENTRIES, maxLines), arena.length);
        }
        if (usedBytes + len > arena.length) {
            rebuild(starts.length, grow(arena.length, usedBytes + len, INITIAL_ARENA, maxBytes));
        }
        int idx = index(count);
        starts[idx] = head;
        lengths[idx] = len;
        times[idx] = timeMillis;
        kinds[idx] = (byte) stream.ordinal();
        int firstPart = Math.min(len, arena.length - head);
        System.arraycopy(buf, off, arena, head, firstPart);
        if (firstPart < len) { // the line wraps around the arena's end
            System.arraycopy(buf, off + firstPart, arena, 0, len - firstPart);
        }
        head = wrap(head + len, arena.length);
        usedBytes += len;
        count++;
    }

    /** Thread-safe snapshot of the last {@code n} lines, oldest first. */
    List<LogLine> tail(int n) {
        return tail(n, Long.MAX_VALUE);
    }

    /**
     * The last lines, at most {@code n} of them and at most {@code maxBytes} of text in all (but
     * always the newest line), oldest first: what one reader may take at once.
     */
    List<LogLine> tail(int n, long maxBytes) {
        byte[] bytes;
        int k;
        int[] lens;
        long[] when;
        byte[] kind;
        long firstSeq;
        lock.lock();
        try {
            applyPendingLimits();
            int total = 0;
            k = 0;
            for (int wanted = Math.max(0, Math.min(n, count)); k < wanted; k++) {
                int len = lengths[index(count - 1 - k)];
                if (k > 0 && total + len > maxBytes) {
                    break;
                }
                total += len;
            }
            bytes = new byte[total];
            lens = new int[k];
            when = new long[k];
            kind = new byte[k];
            int pos = 0;
            for (int j = 0; j < k; j++) {
                int idx = index(count - k + j);
                lens[j] = lengths[idx];
                when[j] = times[idx];
                kind[j] = kinds[idx];
                copyOut(idx, bytes, pos);
                pos += lens[j];
            }
            firstSeq = lastSeq - k + 1;
        } finally {
            lock.unlock();
        }
        List<LogLine> lines = new ArrayList<>(k);
        int pos = 0;
        for (int j = 0; j < k; j++) {
            String text = new String(bytes, pos, lens[j], StandardCharsets.UTF_8);
            lines.add(new LogLine(firstSeq + j, when[j], KINDS[kind[j]], text));
            pos += lens[j];
        }
        return lines;
    }

    long usedBytes() {
        lock.lock();
        try {
            applyPendingLimits();
            return usedBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies new bounds, keeping the newest lines that fit: now when the ring is free, else by the
     * reader before its next read. The reader may hold the lock for a whole read, waiting for a slow
     * stdout (up to the stall timeout), and the caller is the event loop (a reload): it must not wait.
     */
    void resize(int lines, long bytes) {
        pendingLimits = new long[] {lines, bytes};
        if (lock.tryLock()) {
            try {
                applyPendingLimits();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the lock: the bounds a {@link #resize} left for the reader, if any. */
    private void applyPendingLimits() {
        long[] limits = pendingLimits;
        if (limits == null) {
            return;
        }
        pendingLimits = null;
        setLimits((int) limits[0], limits[1]);
        while (count > 0 && (count > maxLines || usedBytes > maxBytes)) {
            evictOldest();
        }
        rebuild(Math.min(starts.length, Math.max(count, maxLines)), Math.min(arena.length, maxBytes));
    }

    private int index(int i) {
        return wrap(first + i, starts.length);
    }

    /** {@code i % size} for {@code 0 <= i < 2 * size}, without a division on the hot path. */
    private static int wrap(int i, int size) {
        return i >= size ? i - size : i;
    }

    private void evictOldest() {
        usedBytes -= lengths[first];
        first = wrap(first + 1, starts.length);
        count--;
    }

    private void copyOut(int idx, byte[] dst, int dstOff) {
        int start = starts[idx];
        int len = lengths[idx];
        int firstPart = Math.min(len, arena.length - start);
        System.arraycopy(arena, start, dst, dstOff, firstPart);
        System.arraycopy(arena, 0, dst, dstOff + firstPart, len - firstPart);
    }

    private static int grow(int current, int needed, int initial, int limit) {
        long size = Math.max(current, initial);
        while (size < needed) {
            size *= 2;
        }
        return (int) Math.min(size, limit);
    }

    /** Moves the lines, oldest first, to fresh arrays of the given capacities. */
    private void rebuild(int entryCapacity, int arenaCapacity) {
        byte[] newArena = new byte[arenaCapacity];
        int[] newStarts = new int[entryCapacity];
        int[] newLengths = new int[entryCapacity];
        long[] newTimes = new long[entryCapacity];
        byte[] newKinds = new byte[entryCapacity];
        int pos = 0;
        for (int i = 0; i < count; i++) {
            int idx = index(i);
            copyOut(idx, newArena, pos);
            newStarts[i] = pos;
            newLengths[i] = lengths[idx];
            newTimes[i] = times[idx];
            newKinds[i] = kinds[idx];
            pos += lengths[idx];
        }
        arena = newArena;
        starts = newStarts;
        lengths = newLengths;
        times = newTimes;
        kinds = newKinds;
        first = 0;
        head = arenaCapacity == 0 ? 0 : pos % arenaCapacity;
    }
}
