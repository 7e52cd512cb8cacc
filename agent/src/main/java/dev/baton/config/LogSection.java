package dev.baton.config;

import java.util.Set;

/** Reads a program's {@code log} table ({@code log = { ... }} or {@code [programs.NAME.log]}). */
final class LogSection {
    static final Set<String> KEYS = Set.of("stdout", "file", "max_bytes", "backups", "ring_lines", "ring_bytes");

    private LogSection() {
    }

    static LogSettings read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        LogSettings d = LogSettings.DEFAULT;
        return new LogSettings(
                node.bool("stdout", d.toAgentStdout()),
                node.absolutePath("file", d.file()),
                node.size("max_bytes", d.maxBytes(), 0, Limits.TIB),
                node.integer("backups", d.backups(), 0, 1000),
                node.integer("ring_lines", d.ringLines(), 0, 100_000),
                node.size("ring_bytes", d.ringBytes(), 0, 64 * Limits.MIB));
    }
}
