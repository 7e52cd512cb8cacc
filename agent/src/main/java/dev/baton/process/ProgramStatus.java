package dev.baton.process;

import dev.baton.process.os.ExitStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * What readers (API, metrics, CLI) see of one program: an immutable copy made on the event loop.
 *
 * @param pid       0 when no process runs
 * @param startedAt null when no process runs (wall clock, for display)
 * @param startedNanos monotonic time of the spawn (System.nanoTime), 0 when no process runs
 * @param lastExit  null before the first exit
 * @param lastError why the last start failed or the program went FATAL, or null
 * @param hold      why automatic restarts are held, or null
 */
public record ProgramStatus(String name, ProcessState state, Instant since, int pid, Instant startedAt,
                            long startedNanos, int restarts, ExitStatus lastExit, Instant lastExitAt,
                            String lastError, String hold, int priority) {

    /** How long the process has been up, now: from the monotonic clock, so a wall-clock jump never shows. */
    public Duration uptime() {
        return startedNanos == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, System.nanoTime() - startedNanos));
    }
}
