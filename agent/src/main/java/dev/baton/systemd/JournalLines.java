package dev.baton.systemd;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import dev.baton.logs.LineListener;
import dev.baton.logs.ProgramLog;
import dev.baton.logs.StreamKind;

/**
 * The line listener that sends every program line to journald, and counts each line journald did
 * not take (stalled, or refused: its socket gone) on that program's log, where the other sinks' drops are counted too
 * ({@code baton_program_log_dropped_lines_total{sink="journal"}}). Runs on the log reader thread.
 */
public final class JournalLines implements LineListener {
    private final JournalSink sink;
    private final Function<String, Optional<ProgramLog>> logs;

    /** @param logs the program's log by name (the pipeline's lookup; never creates one) */
    public JournalLines(JournalSink sink, Function<String, Optional<ProgramLog>> logs) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.logs = Objects.requireNonNull(logs, "logs");
    }

    @Override
    public void onLine(String program, StreamKind stream, byte[] buf, int off, int len) {
        if (!sink.send(program, buf, off, len, stream == StreamKind.STDERR)) {
            logs.apply(program).ifPresent(ProgramLog::countDroppedByJournal);
        }
    }
}
