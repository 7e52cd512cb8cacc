package dev.baton.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.slf4j.LoggerFactory;

import dev.baton.config.LogSettings;

/**
 * One program's log file: the reader appends lines to a bounded spool without blocking; the sink
 * thread writes them out in batches (dropping with a count when the disk cannot keep up). Settings
 * may change at any time; the sink thread reopens the file when they do.
 */
final class FileSink {
    static final int SPOOL_BYTES = 1 << 20;
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FileSink.class);

    /** What the file should be; a null path: no file (the sink thread closes it). */
    private record Target(Path path, long maxBytes, int backups) {
    }

    private final String program;
    /**
     * This file's own: with one limiter for every program, the first file that kept failing (a full
     * disk) hid every other program's file problem from the agent's log for as long as it lasted.
     */
    private final RateLimitedLog writeErrors = new RateLimitedLog(LOG, 30, TimeUnit.SECONDS);
    private final LineSpool spool = new LineSpool(SPOOL_BYTES,
            (program, lines, seconds) -> String.format(Locale.ROOT, "[baton] %d lines dropped over %.1f s: the log file could not keep up", lines, seconds));
    private volatile Target target;
    /** Terminal: the program was removed; the sink thread forgets the sink once it is drained. */
    private volatile boolean stopped;
    /** Owned by the sink thread. */
    private RotatingFile file;
    /** Written by the sink thread. */
    private volatile long lostLines;
    /** Sink thread: lines the file refused since it last took one, since when and why; said in the file when it takes lines again. */
    private long unreportedLost;
    private long lostSinceNanos;
    private String lostReason;

    FileSink(String program, LogSettings settings) {
        this.program = program;
        configure(settings);
    }

    void configure(LogSettings settings) {
        target = new Target(settings.file(), settings.maxBytes(), settings.backups());
    }

    void stop() {
        stopped = true;
    }

    /**
     * Reader thread: queues one line; returns a {@link LineSpool} append result (wake deferred). When
     * the spool is full, waits while the disk makes progress (waking the sink thread with {@code wake}).
     * After {@link #stop} (the program was removed, a process it left may still print) the line is
     * dropped at once: the sink thread forgets a stopped sink once drained, so waiting for room
     * would hold the reader, and every program's output, for the stall timeout.
     */
    int offer(byte[] buf, int off, int len, Runnable wake, long stallNanos) {
        if (stopped) {
            return LineSpool.DROPPED;
        }
        return spool.append(program, null, buf, off, len, true, wake, stallNanos);
    }

    boolean hasPending() {
        return !spool.isEmpty();
    }

    /** Sink thread: stopped and nothing left to write. */
    boolean isDone() {
        return stopped && spool.isEmpty();
    }

    /** Sink thread: writes what is pending; true when there was something to do. */
    boolean drain() {
        Target t = target;
        reopenIfChanged(t);
        ByteBuffer run = spool.next();
        if (!run.hasRemaining()) {
            return false;
        }
        while (run.hasRemaining()) {
            // Slices of whole lines, each released once written: the stall clock sees a slow disk move
            int end = sliceEnd(run);
            ByteBuffer slice = run.duplicate().limit(end);
            int len = slice.remaining();
            try {
                if (file == null) {
                    throw new IOException("no log file configured any more");
                }
                write(slice);
                spool.reportGaps();
            } catch (IOException e) {
                long lost = Bytes.countNewlines(run.array(), slice.position(), end);
                spool.countLost(lost);
                lostLines += lost;
                if (file != null) {
                    closeFile();
                    writeErrors.warn("cannot write the log file of " + program + " (" + t.path() + "): " + e, null);
                    remember(lost, e);
                }
            }
            spool.release(len);
            run.position(end);
        }
        return true;
    }

    /**
     * Writes {@code slice}, after the line that says how many lines the file refused before it
     * (a full disk): not without it, so that no later line comes before it.
     */
    private void write(ByteBuffer slice) throws IOException {
        if (unreportedLost > 0) {
            double seconds = (System.nanoTime() - lostSinceNanos) / 1e9;
            String lost = String.format(Locale.ROOT, "%d lines dropped over %.1f s: the log file could not be written (%s)",
                    unreportedLost, seconds, lostReason);
            file.write(ByteBuffer.wrap(("[baton] " + lost + "\n").getBytes(StandardCharsets.UTF_8)));
            unreportedLost = 0;
            LOG.info("the log file of {} is written again; {}", program, lost);
        }
        file.write(slice);
    }

    private void remember(long lost, IOException e) {
        if (unreportedLost == 0) {
            lostSinceNanos = System.nanoTime();
            lostReason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        unreportedLost += lost;
    }

    /** Where the next slice of {@code run} (whole lines) ends: after its last newline within 64 KiB, else after its first. */
    private static int sliceEnd(ByteBuffer run) {
        int end = RotatingFile.lastLineEndWithin(run, AgentOutput.MAX_WRITE_BYTES);
        return end >= 0 ? end : RotatingFile.firstLineEnd(run);
    }

    /** Lines that could not be written (disk full, a link another user planted...): counted as dropped by the file. */
    long lostLines() {
        return lostLines;
    }

    /** Sink thread: closes the file (reopened by the next write). */
    void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                writeErrors.warn("cannot close the log file of " + program + ": " + e, null);
            }
            file = null;
        }
    }

    private void reopenIfChanged(Target t) {
        // A file the config no longer has still gets the lines read before the reload, then closes
        if (file != null && (t.path() == null ? spool.isEmpty() : !file.sameAs(t.path(), t.maxBytes(), t.backups()))) {
            closeFile();
        }
        if (file == null && t.path() != null) {
            file = new RotatingFile(t.path(), t.maxBytes(), t.backups());
        }
    }
}
