package dev.baton.logs;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.baton.config.AgentSettings;
import dev.baton.config.LogMode;

/**
 * The agent's own stdout, shared by program lines and the agent's log lines. Lines go to a bounded
 * spill ({@link LineSpool}) that the "baton-stdout" thread writes in big batches. When the spill is
 * full, the reader waits for room while stdout's reader makes progress, so a consumer that keeps up
 * loses nothing; only once it has read nothing for the stall timeout are whole lines dropped (counted
 * per program), and when it reads again one "[baton] N lines of P dropped over T s" line per program
 * says so. The agent's own log lines never wait. While the spill is empty and stdout takes them
 * at once (a pipe or socket with room), the reader writes program lines to stdout itself
 * ({@link NoWaitWriter}: never waits, copies nothing, leaves fd 1's flags alone): no copy into
 * the spill nor into a direct buffer, no hand-over to the writer thread. What stdout does not take
 * at once goes through the spill as above.
 */
public final class AgentOutput implements AutoCloseable {
    private static final long CLOSE_TIMEOUT_MILLIS = 2000;
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** After a failed write (a full disk): the next try is this much later, not at once. */
    private static final long FAILED_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int MAX_PREFIXES = 4096;
    /**
     * The most one blocking write(2) takes from the spill (the channel's path: files, ttys, after a
     * failure; a pipe or socket is written without waiting, see {@link #writeWithoutCopy}). A blocking write returns only once all of it is in
     * the pipe, and the stall clock sees progress only then: a whole spill (4-32 MiB) in one write
     * would make a reader of a few hundred KB/s look stalled. The JDK's temporary direct copy of the
     * slice stays small too.
     */
    static final int MAX_WRITE_BYTES = 64 * 1024;

    private final LogMode mode;
    private final long stallNanos;
    private final WritableByteChannel target;
    private final LineSpool spool;
    /** Writes program lines straight to the target's fd while nothing is queued (null: no fd known). */
    private final NoWaitWriter direct;
    private final Map<String, byte[]> prefixes = new ConcurrentHashMap<>();
    private final Thread writer;
    private final Runnable wakeWriter = this::wakeWriter;
    private volatile boolean closing;
    /** Set when the target failed for good (closed, broken pipe): batches are then only counted. */
    private volatile boolean broken;
    /** Writer thread: lines of runs that failed (not for good) since the last write that went through, since when, why. */
    private long failedLines;
    private long failedSinceNanos;
    private String failure;
    private boolean failedMidLine;

    /**
     * The agent's stdout (fd 1); when it is a pipe, its buffer is enlarged like the programs' pipes
     * (fewer, bigger writes; a consumer's short pause absorbed by the kernel).
     */
    public static AgentOutput stdout(LogMode mode, int spillBytes, Duration stallTimeout) {
        new PipeBuffer().enlarge(1);
        return new AgentOutput(mode, new FileOutputStream(FileDescriptor.out).getChannel(), 1, spillBytes, stallTimeout);
    }

    /** An output with the default stall timeout. */
    public AgentOutput(LogMode mode, WritableByteChannel target, int spillBytes) {
        this(mode, target, spillBytes, AgentSettings.DEFAULT.logStallTimeout());
    }

    public AgentOutput(LogMode mode, WritableByteChannel target, int spillBytes, Duration stallTimeout) {
        this(mode, target, -1, spillBytes, stallTimeout);
    }

    /**
     * @param targetFd the fd {@code target} writes to (-1: unknown): the reader then writes program
     *     lines to it itself, without waiting, while nothing is queued for the writer thread
     */
    AgentOutput(LogMode mode, WritableByteChannel target, int targetFd, int spillBytes, Duration stallTimeout) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.direct = targetFd >= 0 ? NoWaitWriter.to(targetFd) : null;
        this.target = Objects.requireNonNull(target, "target");
        this.stallNanos = stallTimeout.toNanos();
        this.spool = new LineSpool(spillBytes, AgentOutput::gapNotice);
        this.writer = new Thread(this::writeLoop, "baton-stdout");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Copies one program line (without its newline) to the spill from any thread, as it is (no
     * escaping: program pipes go through a {@link StdoutBatch}, which escapes); never waits (drops when full).
     */
    public void programLine(String program, StreamKind stream, byte[] buf, int off, int len) {
        if (mode != LogMode.NONE && !closing) {
            woke(spool.append(program, prefixOf(program), buf, off, len, false, null, 0));
        }
    }

    /**
     * Reader thread: whole program lines of {@code program} staged by a {@link StdoutBatch} (each
     * with its prefix and '\n'); waits for room while stdout moves (see the class comment); returns
     * how many were dropped. The caller wakes the writer with {@link #wakeIfPending} before it goes idle.
     */
    int offerProgramLines(String program, byte[] lines, int off, int len, int count) {
        if (closing) {
            return count;
        }
        if (direct != null && direct.usable() && !broken && len <= spool.maxProgramBytes()) {
            return woke(spool.offerLines(program, lines, off, len, count, direct, true, wakeWriter, stallNanos)) ? 0 : count;
        }
        if (len <= spool.maxProgramBytes()) {
            return woke(spool.offerLines(program, lines, off, len, count, true, wakeWriter, stallNanos)) ? 0 : count;
        }
        int dropped = 0; // more than the spill holds at once (a few longest lines): one line at a time
        for (int start = off, stop = off + len; start < stop; ) {
            int end = Bytes.indexOfNewline(lines, start, stop) + 1;
            dropped += woke(spool.offerLines(program, lines, start, end - start, 1, true, wakeWriter, stallNanos)) ? 0 : 1;
            start = end;
        }
        return dropped;
    }

    private static String gapNotice(String program, long lines, double seconds) {
        String what = program == null ? " of the agent's own log lines" : " lines of " + program;
        return String.format(Locale.ROOT, "[baton] %d%s dropped over %.1f s: stdout was stalled", lines, what, seconds);
    }

    /** The bytes that go before each program line in this mode (null for none). */
    byte[] prefixOf(String program) {
        return mode == LogMode.PREFIXED ? prefix(program) : null;
    }

    /** How long a sink's consumer may write nothing before lines are dropped (the stall timeout). */
    long stallNanos() {
        return stallNanos;
    }

    /** True when program lines have their control characters escaped (prefixed mode; see {@link StdoutBatch}). */
    boolean escapesProgramLines() {
        return mode == LogMode.PREFIXED;
    }

    /** True when program lines are not written at all (mode none). */
    boolean dropsProgramLines() {
        return mode == LogMode.NONE;
    }

    /** One of the agent's own log lines (may span several lines); written in every mode. */
    public void agentLine(String text) {
        if (!closing) {
            woke(spool.appendText(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Lines dropped because the buffer was full or stdout failed. */
    public long droppedLines() {
        return spool.dropped();
    }

    /** Writes what is buffered (waiting at most about 2 s for a blocked stdout), then stops the writer. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(CLOSE_TIMEOUT_MILLIS);
            if (writer.isAlive()) {
                // Interrupting a write on an interruptible channel closes it; fd 1 is then /dev/null
                writer.interrupt();
                writer.join(CLOSE_TIMEOUT_MILLIS / 4);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (direct != null) {
            synchronized (spool) { // the reader writes under the spill's lock
                direct.close();
            }
        }
    }

    /**
     * Waits (at most {@code limitNanos}) until everything handed over so far is written to stdout
     * (the spool releases bytes only once written).
     */
    public boolean awaitWritten(long limitNanos) {
        long deadline = System.nanoTime() + limitNanos;
        while (!spool.isEmpty()) {
            if (broken || closing) {
                return true; // nothing more will be written anyway
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.unpark(writer);
            LockSupport.parkNanos(RETRY_PARK_NANOS);
        }
        return true;
    }

    /** Wakes the writer if lines are waiting (after deferred appends). */
    void wakeIfPending() {
        if (!spool.isEmpty()) {
            LockSupport.unpark(writer);
        }
    }

    private void wakeWriter() {
        LockSupport.unpark(writer);
    }

    private boolean woke(int appendResult) {
        if (appendResult == LineSpool.WAKE_CONSUMER) {
            LockSupport.unpark(writer);
        }
        return appendResult != LineSpool.DROPPED;
    }

    private byte[] prefix(String program) {
        byte[] prefix = prefixes.get(program);
        if (prefix == null) {
            if (prefixes.size() >= MAX_PREFIXES) {
                prefixes.clear();
            }
            prefix = (program + " | ").getBytes(StandardCharsets.UTF_8);
            prefixes.put(program, prefix);
        }
        return prefix;
    }

    private void writeLoop() {
        while (true) {
            boolean last = closing;
            ByteBuffer run = spool.next();
            if (run.hasRemaining()) {
                write(run);
                reportDrops();
            } else if (last) {
                return;
            } else {
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
    }

    /**
     * Writes one run of lines, releasing buffer space as it goes. A target whose reader is gone
     * (broken pipe, reset, closed) is given up for good; any other failure (a file on a full disk)
     * loses this run, counted, and the next runs are tried again after {@link #FAILED_PARK_NANOS}:
     * before the first that goes through, a line says how many were lost, over how long, and why.
     */
    private void write(ByteBuffer run) {
        if (direct != null && failedLines == 0) {
            writeWithoutCopy(run);
            if (!run.hasRemaining()) {
                return;
            }
        }
        boolean failed = false;
        int start = run.position();
        try {
            writeFailureNotice();
            int end = run.limit();
            while (!broken && run.hasRemaining()) {
                run.limit(Math.min(end, run.position() + MAX_WRITE_BYTES));
                int n;
                try {
                    n = target.write(run);
                } finally {
                    run.limit(end);
                }
                if (n > 0) {
                    spool.release(n);
                } else {
                    LockSupport.parkNanos(this, RETRY_PARK_NANOS); // a non-blocking target that is full
                    if (Thread.interrupted()) {
                        throw new IOException("interrupted while stdout was blocked");
                    }
                }
            }
        } catch (IOException e) {
            if (closing || isGone(e)) {
                broken = true;
            } else {
                failed = true;
                if (failedLines == 0) {
                    failedSinceNanos = System.nanoTime();
                }
                failure = e.getMessage();
                // a write that took part of a line before failing: the notice starts a line of its own
                failedMidLine |= run.position() > start && run.array()[run.position() - 1] != '\n';
            }
        }
        if (broken || failed) {
            long lost = Bytes.countNewlines(run.array(), run.position(), run.limit());
            spool.countLost(lost);
            spool.release(run.remaining());
            if (failed) {
                failedLines += lost;
                LockSupport.parkNanos(this, FAILED_PARK_NANOS);
            }
        }
    }

    /**
     * Writes a run straight from the spill's array through the reader's non-blocking writer (pinned,
     * no copy into a direct buffer), waiting for room between writes. Returns early, leaving the rest
     * to the channel, once that writer is off (stdout failed: the channel meets the failure and
     * handles it) or the output closes.
     */
    private void writeWithoutCopy(ByteBuffer run) {
        while (run.hasRemaining() && !closing) {
            int n;
            synchronized (spool) { // as the reader writes; close() closes the writer under it too
                if (!direct.usable()) {
                    return;
                }
                n = direct.write(run.array(), run.arrayOffset() + run.position(), run.remaining());
            }
            if (n > 0) {
                run.position(run.position() + n);
                spool.release(n);
            } else if (direct.usable()) {
                direct.awaitRoom(100);
            }
        }
    }

    /** The reader of the target is gone for good: nothing written later can reach anybody. */
    private static boolean isGone(IOException e) {
        String m = String.valueOf(e.getMessage());
        return e instanceof java.nio.channels.ClosedChannelException || m.contains("Broken pipe")
                || m.contains("Connection reset") || m.contains("Bad file descriptor");
    }

    /** Before the next run after runs that failed: one line for them (throws while the target still fails). */
    private void writeFailureNotice() throws IOException {
        if (failedLines > 0) {
            double seconds = (System.nanoTime() - failedSinceNanos) / 1e9;
            ByteBuffer notice = ByteBuffer.wrap(String.format(Locale.ROOT,
                    "%s[baton] %d lines lost over %.1f s: stdout could not be written (%s)\n", failedMidLine ? "\n" : "",
                    failedLines, seconds, failure).getBytes(StandardCharsets.UTF_8));
            try {
                while (notice.hasRemaining()) {
                    target.write(notice);
                }
            } catch (IOException e) {
                failedMidLine |= notice.position() > 0; // the disk took part of the notice: the next starts anew
                throw e;
            }
            failedLines = 0;
            failedMidLine = false;
        }
    }

    private void reportDrops() {
        if (!broken) {
            spool.reportGaps();
        }
    }
}
