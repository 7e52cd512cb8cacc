package dev.baton.logs;

/**
 * What a pipe's framer holds between reads when its reading stops for an exec in place: the start
 * of a line whose newline has not come yet ({@code bytes}), or, with {@code skipping}, that the rest
 * of a line already cut is still to be discarded. Handed to the next agent, which reads the same
 * pipe on from there, so a line a program was in the middle of writing is neither split in two
 * nor lost.
 */
public record PendingLine(byte[] bytes, boolean skipping) {
}
