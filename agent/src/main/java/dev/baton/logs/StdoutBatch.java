package dev.baton.logs;

import java.util.Arrays;

/**
 * The program lines of one read on their way to the agent's stdout (reader thread only): staged
 * here with their prefix and newline, then handed to the stdout spool in one piece at the end of
 * the read, so a read of a few hundred lines costs one lock and one copy into the spool, not one
 * of each per line (the stdout writer contends for that lock).
 */
final class StdoutBatch {
    private static final int INITIAL_BYTES = 4 * 1024;
    /** Staged bytes are handed over once they reach this, so the writer starts before a big read is done. */
    static final int FLUSH_BYTES = 64 * 1024;

    private final AgentOutput out;
    private byte[] bytes = new byte[INITIAL_BYTES];
    private int len;
    private int lines;
    /** Lines dropped by hand-overs in the middle of a read, reported by the next {@link #flush}. */
    private int dropped;

    StdoutBatch(AgentOutput out) {
        this.out = out;
    }

    /** Stages one line (without its newline) of {@code program}. */
    void add(String program, byte[] buf, int off, int lineLen) {
        if (out.dropsProgramLines()) {
            return;
        }
        byte[] prefix = out.prefixOf(program);
        int prefixLen = prefix == null ? 0 : prefix.length;
        int need = prefixLen + lineLen + 1;
        if (len + need > bytes.length) {
            makeRoom(need);
        }
        if (prefixLen > 0) {
            System.arraycopy(prefix, 0, bytes, len, prefixLen);
            len += prefixLen;
        }
        System.arraycopy(buf, off, bytes, len, lineLen);
        len += lineLen;
        bytes[len++] = '\n';
        lines++;
    }

    /** Hands the staged lines to the agent's stdout; returns how many lines were dropped since the last call. */
    int flush() {
        handOver();
        int n = dropped;
        dropped = 0;
        return n;
    }

    private void makeRoom(int need) {
        if (len + need > FLUSH_BYTES) {
            handOver();
        }
        if (len + need > bytes.length) {
            int size = bytes.length;
            while (size < len + need) {
                size *= 2;
            }
            bytes = Arrays.copyOf(bytes, size);
        }
    }

    private void handOver() {
        if (lines > 0) {
            dropped += out.offerProgramLines(bytes, len, lines);
            len = 0;
            lines = 0;
        }
    }
}
