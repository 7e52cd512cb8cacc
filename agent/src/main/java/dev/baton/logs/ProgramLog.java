package dev.baton.logs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.baton.config.LogSettings;

/**
 * Everything the agent keeps of one program's output: its recent lines, its counters, its
 * followers, and where its lines go (agent stdout, file). Lines arrive on the reader thread, in this
 * order: ring, file, followers, listeners (a run of lines shown as they are goes to the ring, file and
 * followers line by line, then to the listeners); those for the agent's stdout are staged and handed
 * over together at the end of each read. The ring is locked once per read: a tail taken during a read
 * waits for its end, so a follower never gets a line that a tail taken after it could miss. A read
 * whose log file (or a mid-read stdout hand-over) waits for a full spill keeps the ring locked
 * meanwhile: a tail then waits too, at most the stall timeout, once per stall.
 * Everything else here is thread-safe.
 */
public final class ProgramLog {
    private static final Follower[] NO_FOLLOWERS = {};

    private final String name;
    private final StdoutBatch stdout;
    private final ListenerSet listeners;
    private final SinkWorker sinks;
    private final Runnable wakeSinks;
    /** How long the reader waits for a log file that writes nothing before it drops lines. */
    private final long stallNanos;
    private final LineRing ring;
    /** Created when the program first gets a log file. */
    private volatile FileSink fileSink;
    private volatile LogSettings settings;
    private volatile Follower[] followers = NO_FOLLOWERS;

    // Counters: the reader thread counts in plain fields and publishes once per read
    private long readerLines, readerBytes, readerTruncated, readerDroppedByStdout, readerDroppedByFile;
    private volatile long lines, bytes, truncated, droppedByStdout, droppedByFile;
    /** Counted by the journald sink, a line listener (on the reader thread, but outside this class). */
    private final AtomicLong droppedByJournal = new AtomicLong();

    ProgramLog(String name, LogSettings settings, StdoutBatch stdout, ListenerSet listeners, SinkWorker sinks,
            long stallNanos) {
        this.name = Objects.requireNonNull(name, "name");
        this.stdout = stdout;
        this.listeners = listeners;
        this.sinks = sinks;
        this.wakeSinks = sinks::wake;
        this.stallNanos = stallNanos;
        this.ring = new LineRing(settings.ringLines(), settings.ringBytes());
        apply(settings);
    }

    public String name() {
        return name;
    }

    /** The last {@code n} lines, oldest first (a snapshot; safe from any thread). */
    public List<LogLine> tail(int n) {
        return ring.tail(n);
    }

    /** The last lines, at most {@code n} and {@code maxBytes} of text (always the newest line). */
    public List<LogLine> tail(int n, long maxBytes) {
        return ring.tail(n, maxBytes);
    }

    /**
     * Pushes each new line to {@code subscriber} on the log sinks thread, through a bounded queue:
     * a subscriber that does not keep up loses lines (counted), it never slows the reader. The
     * subscriber must not block for long (it shares its thread with file writing).
     */
    public Follower follow(Consumer<LogLine> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        Follower f = new Follower(name, subscriber, this::unfollow);
        synchronized (this) {
            Follower[] next = Arrays.copyOf(followers, followers.length + 1);
            next[followers.length] = f;
            followers = next;
        }
        sinks.add(f);
        return f;
    }

    /** Lines read, both streams. */
    public long lines() {
        return lines;
    }

    /** Bytes read, both streams, terminators included. */
    public long bytes() {
        return bytes;
    }

    /** Lines cut at the line length limit. */
    public long truncatedLines() {
        return truncated;
    }

    /** Lines the agent's stdout had to drop (its reader stalled; they are still in the ring). */
    public long droppedByStdout() {
        return droppedByStdout;
    }

    /** Lines the program's log file had to drop (its disk stalled; they are still in the ring). */
    public long droppedByFile() {
        FileSink f = fileSink;
        return droppedByFile + (f == null ? 0 : f.lostLines());
    }

    /** Lines journald did not take (it stalled; they are still in the ring). */
    public long droppedByJournal() {
        return droppedByJournal.get();
    }

    /** The journald sink dropped one line of this program. */
    public void countDroppedByJournal() {
        droppedByJournal.incrementAndGet();
    }

    synchronized void apply(LogSettings newSettings) {
        Objects.requireNonNull(newSettings, "settings");
        LogSettings old = settings;
        if (old == null || old.ringLines() != newSettings.ringLines() || old.ringBytes() != newSettings.ringBytes()) {
            ring.resize(newSettings.ringLines(), newSettings.ringBytes());
        }
        if (newSettings.file() != null && fileSink == null) {
            fileSink = new FileSink(name, newSettings);
        }
        if (fileSink != null) {
            fileSink.configure(newSettings);
            sinks.add(fileSink);
        }
        settings = newSettings; // last: the reader sees the file sink before a settings with a file
    }

    /** The program left the configuration: its file is closed and its followers end. */
    void retire() {
        if (fileSink != null) {
            fileSink.stop();
        }
        sinks.wake();
        for (Follower f : followers) {
            f.close();
        }
    }

    private synchronized void unfollow(Follower f) {
        int i = Arrays.asList(followers).indexOf(f);
        if (i >= 0) {
            Follower[] next = new Follower[followers.length - 1];
            System.arraycopy(followers, 0, next, 0, i);
            System.arraycopy(followers, i + 1, next, i, next.length - i);
            followers = next;
        }
        sinks.remove(f);
    }

    /**
     * Reader thread: one framed line; {@code shownLen} includes the cut marker of a cut line;
     * {@code clean}: known to have no control character other than TAB (false when unknown).
     */
    void line(StreamKind stream, long now, byte[] buf, int off, int len, int shownLen, boolean clean) {
        long seq = ++readerLines;
        if (shownLen != len) {
            readerTruncated++;
        }
        ring.append(seq, now, stream, buf, off, shownLen);
        LogSettings s = settings;
        if (s.toAgentStdout()) {
            stdout.add(name, buf, off, shownLen, clean); // handed over, and drops counted, at the end of the read
        }
        toFileAndFollowers(s, seq, now, stream, buf, off, shownLen);
        listeners.fire(name, stream, buf, off, len);
    }

    /**
     * Reader thread: {@code count} whole lines shown as they are, one after the other from {@code off},
     * the i-th ended by its '\n' at {@code ends[i]}, all {@code clean} or not (see
     * {@link LineFramer.Lines#lines}). Each line goes to the ring, file and followers in turn; then
     * the run goes to stdout in one piece, then to the listeners.
     */
    void lines(StreamKind stream, long now, byte[] buf, int off, int[] ends, int count, boolean clean) {
        LogSettings s = settings;
        boolean fileOrFollowers = (s.file() != null && fileSink != null) || followers.length > 0;
        long seq = readerLines;
        for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
            int len = ends[i] - start;
            ring.append(++seq, now, stream, buf, start, len);
            if (fileOrFollowers) {
                toFileAndFollowers(s, seq, now, stream, buf, start, len);
            }
        }
        readerLines = seq;
        if (s.toAgentStdout()) {
            stdout.addRun(name, buf, off, ends, count, clean);
        }
        listeners.fireRun(name, stream, buf, off, ends, count);
    }

    private void toFileAndFollowers(LogSettings s, long seq, long now, StreamKind stream, byte[] buf, int off, int len) {
        FileSink f = fileSink;
        if (s.file() != null && f != null) {
            int result = f.offer(buf, off, len, wakeSinks, stallNanos);
            if (result == LineSpool.DROPPED) {
                readerDroppedByFile++;
            } else if (result == LineSpool.WAKE_CONSUMER) {
                sinks.wake();
            }
        }
        Follower[] fs = followers;
        if (fs.length > 0) {
            LogLine line = new LogLine(seq, now, stream, new String(buf, off, len, StandardCharsets.UTF_8));
            boolean wake = false;
            for (Follower follower : fs) {
                wake |= follower.offer(line);
            }
            if (wake) {
                sinks.wake();
            }
        }
    }

    /**
     * Reader thread, before the lines of a read of {@code n} bytes into {@code buf} (or of the end
     * of the pipe: null, 0).
     */
    void beginRead(byte[] buf, int n) {
        readerBytes += n;
        stdout.beginRead(buf);
        ring.beginBatch();
    }

    /**
     * Reader thread, at the end of each read: hands this read's lines to the agent's stdout and makes
     * the counters visible to other threads (once per read, not per line).
     */
    void endRead() {
        ring.endBatch();
        readerDroppedByStdout += stdout.flush();
        lines = readerLines;
        bytes = readerBytes;
        truncated = readerTruncated;
        droppedByStdout = readerDroppedByStdout;
        droppedByFile = readerDroppedByFile;
    }
}
