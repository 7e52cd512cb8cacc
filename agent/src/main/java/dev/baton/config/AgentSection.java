package dev.baton.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Reads {@code [agent]}. */
final class AgentSection {
    static final Set<String> KEYS = Set.of("state_dir", "log_mode", "max_line_bytes", "exit_on_fatal", "shutdown_timeout",
            "stdout_spill", "log_stall_timeout");
    static final Map<String, LogMode> LOG_MODES = ConfigNode.names(LogMode.values(), LogMode::configName);
    static final long MIN_LINE_BYTES = Limits.KIB, MAX_LINE_BYTES = 16 * Limits.MIB;
    // The heap is capped at 64 MiB (bin/baton): the spill may take half of it
    static final long MIN_SPILL = Limits.MIB, MAX_SPILL = 32 * Limits.MIB;

    private AgentSection() {
    }

    static AgentSettings read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        AgentSettings d = AgentSettings.DEFAULT;
        int maxLine = (int) node.size("max_line_bytes", d.maxLineBytes(), MIN_LINE_BYTES, MAX_LINE_BYTES);
        int spill = (int) node.size("stdout_spill", d.stdoutSpill(), MIN_SPILL, MAX_SPILL);
        if (spill < 2L * maxLine) {
            // The longest line, with its prefix, must fit beside the agent's own reserve
            node.problem("stdout_spill", "stdout_spill (" + spill + " bytes) must be at least twice max_line_bytes ("
                    + maxLine + " bytes): raise stdout_spill to " + 2L * maxLine + " or lower max_line_bytes");
        }
        return new AgentSettings(
                node.absolutePath("state_dir", d.stateDir()),
                node.choice("log_mode", d.logMode(), LOG_MODES),
                maxLine,
                node.bool("exit_on_fatal", d.exitOnFatal()),
                node.duration("shutdown_timeout", d.shutdownTimeout(), Duration.ofSeconds(1), Limits.MAX_DURATION),
                spill,
                node.duration("log_stall_timeout", d.logStallTimeout(), Duration.ofMillis(100), Duration.ofMinutes(10)));
    }
}
