package dev.baton.metrics;

import dev.baton.logs.ProgramLog;
import dev.baton.metrics.Family.Counter;
import dev.baton.metrics.Family.Gauge;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The per-program families ({@code baton_program_*}), built from one status snapshot. */
final class ProgramMetrics {
    private static final ProcessState[] STATES = ProcessState.values();

    private final Gauge state = new Gauge("baton_program_state",
            "1 for the program's current supervisor state, 0 for the others (supervisord's states)");
    private final Counter restarts = new Counter("baton_program_restarts",
            "Automatic restarts of the program since the agent started or re-executed (or since the program was added)");
    private final Gauge uptime = new Gauge("baton_program_uptime_seconds",
            "Seconds since the program's current process started; 0 when no process runs");
    private final Gauge lastExitCode = new Gauge("baton_program_last_exit_code",
            "Exit code of the program's last process, 128+N when killed by signal N; absent before the first exit");
    private final Gauge lastExitTime = new Gauge("baton_program_last_exit_time_seconds",
            "Unix time of the program's last process exit; absent before the first exit");
    private final Counter lines = new Counter("baton_program_log_lines",
            "Output lines read from the program's stdout and stderr");
    private final Counter bytes = new Counter("baton_program_log_bytes",
            "Output bytes read from the program's stdout and stderr, line terminators included");
    private final Counter truncated = new Counter("baton_program_log_truncated_lines",
            "Output lines cut at the agent's max_line_bytes");
    private final Counter dropped = new Counter("baton_program_log_dropped_lines",
            "Output lines a stalled sink (sink=stdout: the agent's stdout, sink=file: the program's log file, "
                    + "sink=journal: journald) did not take; the program is never blocked");

    private final LabelCache labels;

    private ProgramMetrics(LabelCache labels) {
        this.labels = labels;
    }

    /** @param logs the program's log counters by name (read, never reset) */
    static List<Family> collect(List<ProgramStatus> programs, Function<String, Optional<ProgramLog>> logs,
                                LabelCache labels) {
        ProgramMetrics m = new ProgramMetrics(labels);
        for (ProgramStatus p : programs) {
            m.add(p, logs.apply(p.name()));
        }
        return List.of(m.state, m.restarts, m.uptime, m.lastExitCode, m.lastExitTime, m.lines, m.bytes,
                m.truncated, m.dropped);
    }

    private void add(ProgramStatus p, Optional<ProgramLog> log) {
        for (ProcessState s : STATES) {
            state.add(p.state() == s, labels.of("program", p.name(), "state", s.name()));
        }
        Labels program = labels.of("program", p.name());
        restarts.add(p.restarts(), program);
        uptime.add(uptimeSeconds(p), program);
        if (p.lastExit() != null) {
            lastExitCode.add(p.lastExit().shellCode(), program);
        }
        if (p.lastExitAt() != null) {
            lastExitTime.add(Family.seconds(p.lastExitAt()), program);
        }
        log.ifPresent(l -> {
            lines.add(l.lines(), program);
            bytes.add(l.bytes(), program);
            truncated.add(l.truncatedLines(), program);
            dropped.add(l.droppedByStdout(), labels.of("program", p.name(), "sink", "stdout"));
            dropped.add(l.droppedByFile(), labels.of("program", p.name(), "sink", "file"));
            dropped.add(l.droppedByJournal(), labels.of("program", p.name(), "sink", "journal"));
        });
    }

    private static double uptimeSeconds(ProgramStatus p) {
        return p.state().hasProcess() ? p.uptime().toMillis() / 1000.0 : 0;
    }
}
