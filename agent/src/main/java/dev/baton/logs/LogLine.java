package dev.baton.logs;

/**
 * One line of a program, decoded for readers (UTF-8, invalid bytes replaced).
 *
 * @param seq        the program's line number, from 1 (a gap means lines were lost for this reader)
 * @param timeMillis when the line was read
 * @param stream     stdout or stderr
 * @param text       the line without its terminator; a cut line ends with the cut marker
 */
public record LogLine(long seq, long timeMillis, StreamKind stream, String text) {
}
