package dev.baton.logs;

/**
 * The per-line hook: every complete line of every program is offered here, once, on the log reader
 * thread, right after it was framed. Implementations must be cheap and must never block (post real
 * work to the agent's event loop); the bytes are only valid during the call.
 */
@FunctionalInterface
public interface LineListener {
    /**
     * @param program the program's name
     * @param stream  stdout or stderr
     * @param buf     bytes of the line without its line terminator (no CR, no LF)
     * @param off     offset of the line in {@code buf}
     * @param len     length of the line; a line cut at the limit ends before the cut marker
     */
    void onLine(String program, StreamKind stream, byte[] buf, int off, int len);
}
