package dev.baton.logs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A bounded circular buffer of whole lines (the "spill") between producers and one consumer thread
 * that writes to a slow place (stdout, a file). Producers append under a short lock; the consumer
 * writes a contiguous segment without the lock and then releases it. A line never wraps around the
 * end of the buffer (it starts again at 0 instead), so every segment ends at a line end.
 *
 * <p>When the spill is full, the reader thread waits for room ({@link #offerLines}) as long as the
 * consumer makes progress: a consumer that keeps up on average loses nothing, and the program is
 * held back through its pipe, as any reader would hold it back. Only when the consumer has written
 * nothing for the stall timeout are lines dropped, whole and counted per source, until it moves
 * again; then one notice per source says how many lines were dropped and over how long, before any
 * later line of that source. Other threads (the agent's own log lines) never wait: they have a
 * reserve of their own and drop when even that is full.
 */
final class LineSpool {
    /** Results of an append: dropped, or appended and the consumer need (not) be woken now. */
    static final int DROPPED = 0, APPENDED = 1, WAKE_CONSUMER = 2;
    /** A deferred wake-up comes when this much is pending (or when the reader goes idle). */
    static final int DEFERRED_WAKE_BYTES = 64 * 1024;

    private static final int NOTICE_RESERVE = 256;
    /** Kept free of program lines for the agent's own lines, which never wait for room (smaller in a small spool). */
    private static final int AGENT_RESERVE = 64 * 1024;
    /** The longest wait between checks of the stall clock. */
    private static final long MAX_WAIT_MILLIS = 100;

    /** Formats the notice of a gap: {@code lines} of {@code source} (null: the agent's own) dropped over {@code seconds}. */
    interface GapNotice {
        String text(String source, long lines, double seconds);
    }

    /** The unreported drops of one source: how many, since when. */
    private static final class Gap {
        long lines;
        final long sinceNanos;

        Gap(long sinceNanos) {
            this.sinceNanos = sinceNanos;
        }
    }
    /** The buffer starts this small and doubles up to its capacity when lines do not fit. */
    static final int INITIAL_BYTES = 64 * 1024;

    private final int capacity;
    private final int agentReserve;
    private byte[] buf;
    private int head;
    private int tail;
    /** When the writer has wrapped to the start: data is [head, wrapEnd) then [0, tail). */
    private boolean wrapped;
    private int wrapEnd;
    private int used;
    private long dropped;
    private final GapNotice notice;
    /** Unreported drops by source, in the order they began (null key: agent lines). */
    private final Map<String, Gap> gaps = new LinkedHashMap<>();
    /** Consumer progress: releases so far and the time of the last one. */
    private long releases;
    private long lastReleaseNanos = System.nanoTime();
    /** The consumer wrote nothing for a stall timeout; cleared by its next release. */
    private boolean stalled;
    private int waiters;

    LineSpool(int capacity, GapNotice notice) {
        if (capacity < 4096) {
            throw new IllegalArgumentException("spill too small: " + capacity + " bytes (at least 4096)");
        }
        this.capacity = capacity;
        this.agentReserve = Math.min(AGENT_RESERVE, capacity / 8);
        this.notice = notice;
        // A quiet agent keeps 64 KiB, not the whole capacity (4 MiB for stdout by default): resident memory
        this.buf = new byte[Math.min(capacity, INITIAL_BYTES)];
    }

    /** The most bytes of program lines one append can hold: a longer batch must be offered line by line. */
    int maxProgramBytes() {
        return capacity - agentReserve;
    }

    /**
     * Appends {@code prefix} (may be null), the line and '\n', or drops the line whole (counted as a
     * line of {@code source}). With {@code deferWake}, the consumer is woken only once
     * {@link #DEFERRED_WAKE_BYTES} are pending: the reader wakes it itself before it goes idle, so a
     * burst costs a few big writes, not one wake-up and one small write per read. With a
     * {@code wakeConsumer}, waits for room as {@link #offerLines} does; without, drops when full.
     */
    synchronized int append(String source, byte[] prefix, byte[] line, int off, int len, boolean deferWake,
            Runnable wakeConsumer, long stallNanos) {
        int prefixLen = prefix == null ? 0 : prefix.length;
        int at = place(source, prefixLen + len + 1, 1, wakeConsumer, stallNanos);
        if (at < 0) {
            return DROPPED;
        }
        if (prefixLen > 0) {
            System.arraycopy(prefix, 0, buf, at, prefixLen);
        }
        System.arraycopy(line, off, buf, at + prefixLen, len);
        buf[at + prefixLen + len] = '\n';
        return appended(prefixLen + len + 1, deferWake);
    }

    /**
     * Reader thread: appends {@code count} whole lines of {@code source} ({@code len} bytes, each
     * ending with '\n') in one piece. When they do not fit, wakes the consumer ({@code wakeConsumer})
     * and waits for room while it makes progress; drops them (counted) when it has written nothing
     * for {@code stallNanos}, or when they are more than {@link #maxProgramBytes}. Returns the append
     * result (APPENDED, WAKE_CONSUMER or DROPPED).
     */
    synchronized int offerLines(String source, byte[] lines, int off, int len, int count, boolean deferWake,
            Runnable wakeConsumer, long stallNanos) {
        int at = place(source, len, count, wakeConsumer, stallNanos);
        if (at < 0) {
            return DROPPED;
        }
        System.arraycopy(lines, off, buf, at, len);
        return appended(len, deferWake);
    }

    /**
     * {@link #offerLines}, but when nothing is pending (no line, no gap notice) the lines are first
     * written straight to {@code direct}, under the lock, so they go out before anything appended
     * after them and after everything written before: only what it does not take now is appended
     * (no copy and no hand-over to the consumer while stdout keeps up, as supervisord writes
     * inline). {@code direct} never waits, so neither does this beyond what offerLines does.
     */
    synchronized int offerLines(String source, byte[] lines, int off, int len, int count, NoWaitWriter direct,
            boolean deferWake, Runnable wakeConsumer, long stallNanos) {
        if (used == 0 && gaps.isEmpty()) {
            int written = direct.write(lines, off, len);
            if (written == len) {
                return APPENDED;
            }
            if (written > 0) { // the rest (perhaps from the middle of a line) follows through the consumer
                count -= Bytes.countNewlines(lines, off, off + written);
                off += written;
                len -= written;
            }
        }
        return offerLines(source, lines, off, len, count, deferWake, wakeConsumer, stallNanos);
    }

    /** Claims room for {@code len} bytes of program lines, waiting when {@code wakeConsumer} is given; -1 when dropped. */
    private int place(String source, int len, int count, Runnable wakeConsumer, long stallNanos) {
        while (true) {
            reportGaps(); // before the lines: a gap's notice precedes the lines that follow it
            if (gaps.containsKey(source)) {
                // Its notice is still pending: a line that fits in what the dropped ones left would
                // be written before it and hide the gap. While stalled it joins the gap; once the
                // consumer moves it waits, as any line, for room for the notice first
                if (wakeConsumer == null || !awaitRoom(wakeConsumer, stallNanos)) {
                    drop(source, count);
                    return -1;
                }
                continue;
            }
            int at = len <= maxProgramBytes() ? reserve(len, agentReserve) : -1;
            if (at >= 0) {
                return at;
            }
            if (len > maxProgramBytes() || wakeConsumer == null || !awaitRoom(wakeConsumer, stallNanos)) {
                drop(source, count);
                return -1;
            }
        }
    }

    /** Appends one of the agent's own texts (a newline added if missing), waking the consumer; never waits. */
    synchronized int appendText(byte[] text) {
        reportGaps();
        int result = gaps.containsKey(null) ? DROPPED : appendText(text, NOTICE_RESERVE); // as in place()
        if (result == DROPPED) {
            drop(null, 1);
        }
        return result;
    }

    /**
     * Producers before their lines, the consumer after a write: unless the consumer is still
     * stalled, appends the notices of the gaps (in the reserve); a notice that does not fit stays pending.
     */
    synchronized void reportGaps() {
        while (!gaps.isEmpty() && !stalled) {
            Map.Entry<String, Gap> first = gaps.entrySet().iterator().next();
            Gap gap = first.getValue();
            double seconds = (System.nanoTime() - gap.sinceNanos) / 1e9;
            byte[] text = notice.text(first.getKey(), gap.lines, seconds).getBytes(StandardCharsets.UTF_8);
            if (appendText(text, 0) == DROPPED) {
                return;
            }
            gaps.remove(first.getKey());
        }
    }

    /**
     * Waits (lock released) until the consumer releases something; false, without waiting, when it
     * is known stalled, or after {@code stallNanos} without a release (it is then marked stalled).
     */
    private boolean awaitRoom(Runnable wakeConsumer, long stallNanos) {
        if (stalled) {
            return false;
        }
        wakeConsumer.run();
        long start = System.nanoTime();
        long seen = releases;
        waiters++;
        try {
            while (releases == seen) {
                long left = Math.max(lastReleaseNanos, start) + stallNanos - System.nanoTime();
                if (left <= 0) {
                    stalled = true;
                    return false;
                }
                wait(Math.min(MAX_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiters--;
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

    private void drop(String source, long lines) {
        dropped += lines;
        gaps.computeIfAbsent(source, k -> new Gap(System.nanoTime())).lines += lines;
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
        if (n > 0) {
            releases++;
            lastReleaseNanos = System.nanoTime();
            stalled = false;
            if (waiters > 0) {
                notifyAll();
            }
        }
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
