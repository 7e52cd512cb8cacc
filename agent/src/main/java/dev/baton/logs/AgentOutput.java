package dev.baton.logs;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.baton.config.LogMode;

/**
 * The agent's own stdout, shared by program lines and the agent's log lines. Callers never block:
 * lines go to a bounded buffer that the "baton-stdout" thread writes in big batches; when stdout is
 * blocked and the buffer is full, whole lines are dropped and counted, and once writing resumes one
 * "[baton] dropped N lines" line says so.
 */
public final class AgentOutput implements AutoCloseable {
    private static final int STDOUT_BUFFER = 2 << 20;
    private static final long CLOSE_TIMEOUT_MILLIS = 2000;
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int MAX_PREFIXES = 4096;

    private final LogMode mode;
    private final WritableByteChannel target;
    private final LineSpool spool;
    private final Map<String, byte[]> prefixes = new ConcurrentHashMap<>();
    private final Thread writer;
    private volatile boolean closing;
    /** Set when the target failed for good (closed, broken pipe): batches are then only counted. */
    private volatile boolean broken;

    /** The agent's stdout (fd 1). */
    public static AgentOutput stdout(LogMode mode) {
        return new AgentOutput(mode, new FileOutputStream(FileDescriptor.out).getChannel(), STDOUT_BUFFER);
    }

    public AgentOutput(LogMode mode, WritableByteChannel target, int bufferBytes) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.target = Objects.requireNonNull(target, "target");
        this.spool = new LineSpool(bufferBytes);
        this.writer = new Thread(this::writeLoop, "baton-stdout");
        writer.setDaemon(true);
        writer.start();
    }

    /** Copies one program line (without its newline) to the buffer; never blocks. */
    public void programLine(String program, StreamKind stream, byte[] buf, int off, int len) {
        if (mode != LogMode.NONE && !closing) {
            woke(spool.append(prefixOf(program), buf, off, len, false));
        }
    }

    /**
     * Reader thread: whole program lines staged by a {@link StdoutBatch} (each with its prefix and
     * '\n'), appended in one piece when they fit, else line by line; returns how many were dropped.
     * The caller wakes the writer with {@link #wakeIfPending} before it goes idle.
     */
    int offerProgramLines(byte[] lines, int off, int len, int count) {
        if (closing) {
            return count;
        }
        int result = spool.appendLines(lines, off, len, true);
        if (result != LineSpool.DROPPED) {
            woke(result);
            return 0;
        }
        int dropped = 0;
        for (int start = off, stop = off + len; start < stop; ) {
            int end = Bytes.indexOfNewline(lines, start, stop);
            if (!woke(spool.append(null, lines, start, end - start, true))) {
                dropped++;
            }
            start = end + 1;
        }
        return dropped;
    }

    /** The bytes that go before each program line in this mode (null for none). */
    byte[] prefixOf(String program) {
        return mode == LogMode.PREFIXED ? prefix(program) : null;
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
    }

    /** Wakes the writer if lines are waiting (after deferred appends). */
    void wakeIfPending() {
        if (!spool.isEmpty()) {
            LockSupport.unpark(writer);
        }
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

    /** Writes one run of lines, releasing buffer space as it goes. */
    private void write(ByteBuffer run) {
        try {
            while (!broken && run.hasRemaining()) {
                int n = target.write(run);
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
            broken = true;
        }
        if (broken) {
            spool.countLost(Bytes.countNewlines(run.array(), run.position(), run.limit()));
            spool.release(run.remaining());
        }
    }

    private void reportDrops() {
        if (!broken) {
            spool.appendDropNotice(n -> "[baton] dropped " + n + " lines: stdout was blocked");
        }
    }
}
