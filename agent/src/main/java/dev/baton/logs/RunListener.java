package dev.baton.logs;

/**
 * A {@link LineListener} that also takes a read's run of lines in one call, so what it looks up per
 * program it looks up once per run instead of once per line. Called on the log reader thread instead
 * of {@link #onLine} for the lines of a run; must never throw (one that does loses the rest of that run).
 * Like the bytes, {@code ends} is reused: valid only during the call.
 */
public interface RunListener extends LineListener {
    /**
     * @param program the program's name
     * @param stream  stdout or stderr
     * @param buf     the bytes of the lines, each followed by its '\n' (no CR before it)
     * @param off     where the first line starts in {@code buf}
     * @param ends    the i-th line ends (its '\n') at {@code ends[i]}; the next starts right after it
     * @param count   how many lines; at least one
     */
    void onRun(String program, StreamKind stream, byte[] buf, int off, int[] ends, int count);
}
