package dev.baton.config;

import java.nio.file.Path;

/**
 * Per-program log options.
 *
 * @param toAgentStdout copy this program's lines to the agent's stdout (in the agent's log mode)
 * @param file          optional file receiving every line (null: none)
 * @param maxBytes      rotate {@code file} when it reaches this size (0: never rotate)
 * @param backups       rotated files kept ({@code file.1} .. {@code file.N})
 * @param ringLines     recent lines kept in memory for tail (0: none)
 * @param ringBytes     upper bound of the memory the ring buffer may use
 */
public record LogSettings(boolean toAgentStdout, Path file, long maxBytes, int backups, int ringLines, long ringBytes) {
    public static final LogSettings DEFAULT = new LogSettings(true, null, 50L * 1024 * 1024, 5, 1000, 1024 * 1024);
}
