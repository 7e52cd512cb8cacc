package dev.baton.logs;

/**
 * What a pipe's framer holds between reads when its reading stops for an exec in place: the start
 * of a line whose newline has not come yet ({@code bytes}), or, with {@code skipping}, that the rest
 * of a line already cut is still to be discarded. Handed to the next agent, which reads the same
 * pipe on from there, so a line a program was in the middle of writing is neither split in two
 * nor lost.
 */
public record PendingLine(byte[] bytes, boolean skipping) {
    /**
     * The longest begun line handed over (a line of the default max_line_bytes and its CR): longer
     * ones (a larger max_line_bytes) are handed on as lines before the exec, split as they were
     * before, so the handoff stays far below the size a state file may have (32 MiB).
     */
    public static final int MAX_HANDED_OVER = 64 * 1024 + 1;
}
