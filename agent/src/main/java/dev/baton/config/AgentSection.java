package dev.baton.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Reads {@code [agent]}. */
final class AgentSection {
    static final Set<String> KEYS = Set.of("state_dir", "log_mode", "max_line_bytes", "exit_on_fatal", "shutdown_timeout");
    static final Map<String, LogMode> LOG_MODES = ConfigNode.names(LogMode.values(), LogMode::configName);
    static final long MIN_LINE_BYTES = Limits.KIB, MAX_LINE_BYTES = 16 * Limits.MIB;

    private AgentSection() {
    }

    static AgentSettings read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        AgentSettings d = AgentSettings.DEFAULT;
        return new AgentSettings(
                node.absolutePath("state_dir", d.stateDir()),
                node.choice("log_mode", d.logMode(), LOG_MODES),
                (int) node.size("max_line_bytes", d.maxLineBytes(), MIN_LINE_BYTES, MAX_LINE_BYTES),
                node.bool("exit_on_fatal", d.exitOnFatal()),
                node.duration("shutdown_timeout", d.shutdownTimeout(), Duration.ofSeconds(1), Limits.MAX_DURATION));
    }
}
