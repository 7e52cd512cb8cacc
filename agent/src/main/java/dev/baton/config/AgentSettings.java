package dev.baton.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code [agent]} section.
 *
 * @param stateDir        where desired states, handover state and the API token live
 * @param logMode         how program lines reach the agent's stdout
 * @param maxLineBytes    longer lines are cut with a marker
 * @param exitOnFatal     container mode: when a program goes FATAL, stop everything and exit with its code
 * @param shutdownTimeout upper bound for stopping all programs on SIGTERM before the agent gives up
 * @param stdoutSpill     memory for program lines on their way to the agent's stdout (its reader may lag this much)
 * @param logStallTimeout how long stdout's reader (or a log file's disk) may take nothing before lines are dropped
 */
public record AgentSettings(Path stateDir, LogMode logMode, int maxLineBytes, boolean exitOnFatal, Duration shutdownTimeout,
        int stdoutSpill, Duration logStallTimeout) {
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/baton");
    public static final AgentSettings DEFAULT = new AgentSettings(DEFAULT_STATE_DIR, LogMode.PREFIXED, 64 * 1024, false,
            Duration.ofSeconds(120), 4 << 20, Duration.ofSeconds(5));
}
