package dev.baton.logs;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.baton.config.LogSettings;

/**
 * The log side of the agent: programs' pipes go in ({@link #attach}), lines come out to the ring
 * buffers, the agent's stdout, log files, followers and the line listeners. Threads: the reader
 * ("baton-log-reader", always) and the sinks thread ("baton-log-sinks", once a program has a log file
 * or a follower); the {@link AgentOutput} brings the third ("baton-stdout").
 */
public final class LogPipeline implements AutoCloseable {
    private final AgentOutput out;
    /** The reader thread's lines on their way to {@link #out}. */
    private final StdoutBatch stdout;
    private final int maxLineBytes;
    private final ListenerSet listeners = new ListenerSet();
    private final SinkWorker sinks = new SinkWorker();
    private final Map<String, ProgramLog> programs = new ConcurrentHashMap<>();
    private final ReaderLoop reader;

    /** Starts the reader thread. The caller keeps ownership of {@code out} (and closes it after this). */
    public LogPipeline(AgentOutput out, int maxLineBytes) {
        this.out = Objects.requireNonNull(out, "out");
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
        this.stdout = new StdoutBatch(out, maxLineBytes);
        this.reader = new ReaderLoop(() -> {
            out.wakeIfPending();
            sinks.wakeIfPending();
        });
    }

    /** The log of {@code program}, created on first use; later calls apply the new settings. */
    public ProgramLog open(String program, LogSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return programs.compute(program, (name, existing) -> {
            if (existing == null) {
                return new ProgramLog(name, settings, stdout, listeners, sinks, out.stallNanos());
            }
            existing.apply(settings);
            return existing;
        });
    }

    /** The log of {@code program} if it has one (for readers: tail, follow); never creates one. */
    public Optional<ProgramLog> find(String program) {
        return Optional.ofNullable(programs.get(program));
    }

    /**
     * Starts reading a program's pipes. The fds (read ends; -1 for none, e.g. stderr redirected)
     * now belong to the pipeline, which closes them at EOF or on {@link #close}.
     */
    public void attach(ProgramLog log, int stdoutFd, int stderrFd) {
        attach(log, stdoutFd, stderrFd, () -> { });
    }

    /**
     * {@link #attach(ProgramLog, int, int)}, and {@code drained} runs on the reader thread once every
     * attached pipe reached its end and its last line went to the listeners (at once when none is
     * attached): what the program printed before its exit is then known.
     */
    public void attach(ProgramLog log, int stdoutFd, int stderrFd, Runnable drained) {
        attach(log, stdoutFd, stderrFd, drained, null, null);
    }

    /**
     * {@link #attach(ProgramLog, int, int, Runnable)} of pipes the agent before an exec in place was
     * reading: each pipe's reading takes up its {@link PendingLine} (null: none) first.
     */
    public void attach(ProgramLog log, int stdoutFd, int stderrFd, Runnable drained, PendingLine stdoutPending,
            PendingLine stderrPending) {
        Objects.requireNonNull(log, "log");
        AtomicInteger open = new AtomicInteger((stdoutFd >= 0 ? 1 : 0) + (stderrFd >= 0 ? 1 : 0));
        if (open.get() == 0) {
            drained.run();
            return;
        }
        Runnable ended = () -> {
            if (open.decrementAndGet() == 0) {
                drained.run();
            }
        };
        if (stdoutFd >= 0) {
            reader.attach(new AttachedPipe(stdoutFd, StreamKind.STDOUT, log, maxLineBytes, out.escapesProgramLines(), ended,
                    stdoutPending));
        }
        if (stderrFd >= 0) {
            reader.attach(new AttachedPipe(stderrFd, StreamKind.STDERR, log, maxLineBytes, out.escapesProgramLines(), ended,
                    stderrPending));
        }
    }

    /**
     * For an exec in place: stops reading (a line begun but not ended stays pending: {@link #pendingLines}),
     * then waits until every line read so far is written to stdout and the log files. The pipes stay
     * open and unread.
     *
     * @return the attached pipes by fd ("program/STDOUT", "program/STDERR"), or null when the pipeline did not quiesce within {@code limit}
     *         (it then reads again)
     */
    public Map<Integer, String> quiesce(java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        if (!reader.pause(limit.toNanos())) {
            return null;
        }
        boolean flushed = out.awaitWritten(deadline - System.nanoTime()) && sinks.awaitWritten(deadline - System.nanoTime());
        if (!flushed) {
            reader.resume();
            return null;
        }
        return reader.fds();
    }

    /** While quiesced: the lines begun but not ended, by fd, for the next agent to take up. */
    public Map<Integer, PendingLine> pendingLines() {
        return reader.pending();
    }

    /** Waits (at most {@code limit}) until what was handed to stdout and the log files so far is written. */
    public boolean awaitWritten(java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        return out.awaitWritten(limit.toNanos()) && sinks.awaitWritten(deadline - System.nanoTime());
    }

    /** After a failed exec in place: reading goes on. */
    public void resumeReading() {
        reader.resume();
    }

    /** Listeners see every complete line of every program, once, on the reader thread. */
    public void addListener(LineListener listener) {
        listeners.add(listener);
    }

    /** Forgets a program that left the configuration: its file is closed, its followers end. */
    public void remove(String program) {
        ProgramLog log = programs.remove(program);
        if (log != null) {
            log.retire();
        }
    }

    /** Stops reading (partial lines flushed, fds closed), then writes out the files and stops. */
    @Override
    public void close() {
        reader.close();
        sinks.close();
    }
}
