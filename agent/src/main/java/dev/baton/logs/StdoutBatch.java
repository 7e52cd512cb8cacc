package dev.baton.logs;

import java.util.Arrays;

/**
 * The program lines of one read on their way to the agent's stdout (reader thread only): handed to
 * the stdout spool in one piece at the end of the read, so a read of a few hundred lines costs one
 * lock and one copy into the spool, not one of each per line (the stdout writer contends for that
 * lock). Lines that go out exactly as they lie in the read buffer (no prefix, their own '\n' right
 * after them, one after the other: raw mode) are not copied here at all, only their extent is
 * kept; any other line is staged with its prefix and newline, its control characters other than TAB
 * escaped as {@code \xNN} (prefixed mode: a program cannot forge the agent's own lines).
 */
final class StdoutBatch {
    private static final int INITIAL_BYTES = 4 * 1024;
    /** Staged bytes are handed over once they reach this, so the writer starts before a big read is done. */
    static final int FLUSH_BYTES = 64 * 1024;
    /** A buffer grown past this (for lines near a large max_line_bytes) is dropped once handed over. */
    private static final int SHRINK_ABOVE = 4 * FLUSH_BYTES;

    private final AgentOutput out;
    private final int maxEscaped;
    private final byte[] cutMarker;
    private byte[] bytes = new byte[INITIAL_BYTES];
    private int len;
    private int lines;
    /** The current read's buffer: valid until the next read, so lines in it need no copy until the hand-over. */
    private byte[] readBuffer;
    /** Lines left in place, after the staged ones: readBuffer[runStart, runEnd), newlines included. */
    private int runStart, runEnd, runLines;
    /** Lines dropped by hand-overs in the middle of a read, reported by the next {@link #flush}. */
    private int dropped;
    /** Whose lines are staged: one read is of one program, and a read's lines are handed over by its end. */
    private String program;
    /** The prefix of {@link #program}'s lines (null in raw mode): looked up when the program changes, not per line. */
    private byte[] prefix;

    /**
     * @param maxLineBytes the longest line (the framer cuts longer ones, adding its marker): an
     *     escaped line longer than such a cut line is cut too, so escaping (up to 4 bytes per byte)
     *     cannot make a line larger than the spill takes whole, nor this buffer larger than the heap
     *     budget allows for
     */
    StdoutBatch(AgentOutput out, int maxLineBytes) {
        this.out = out;
        this.cutMarker = LineFramer.cutMarker(maxLineBytes);
        this.maxEscaped = maxLineBytes + cutMarker.length; // the longest line shown: cut, with its marker
    }

    /** Before the lines of a read: they are in {@code buf} (or in a framer's carry buffer). */
    void beginRead(byte[] buf) {
        readBuffer = buf;
    }

    /** Stages one line (without its newline) of {@code program}. */
    void add(String program, byte[] buf, int off, int lineLen) {
        add(program, buf, off, lineLen, false);
    }

    /**
     * {@link #add(String, byte[], int, int)} of a line that is known to have no control character
     * but TAB when {@code clean} (the framer's newline search found out): it is not scanned again.
     */
    void add(String program, byte[] buf, int off, int lineLen, boolean clean) {
        if (!takes(program)) {
            return;
        }
        int prefixLen = prefix == null ? 0 : prefix.length;
        if (off + lineLen < buf.length && buf[off + lineLen] == '\n' && leftInPlace(buf, off, off + lineLen + 1, 1)) {
            return;
        }
        if (runLines > 0) {
            stageRun(); // keeps the order: the run goes before this line
        }
        // Prefixed lines have their control characters escaped: a program must not be able to print
        // what looks like the agent's own line (a CR, a terminal escape). Raw lines stay byte-exact.
        if (prefixLen > 0 && !clean) {
            addEscaped(buf, off, lineLen);
            return;
        }
        int need = prefixLen + lineLen + 1;
        if (len + need > bytes.length) {
            makeRoom(need);
        }
        if (prefixLen > 0) {
            System.arraycopy(prefix, 0, bytes, len, prefixLen);
            System.arraycopy(buf, off, bytes, len + prefixLen, lineLen);
            len += prefixLen + lineLen;
        } else {
            System.arraycopy(buf, off, bytes, len, lineLen);
            len += lineLen;
        }
        bytes[len++] = '\n';
        lines++;
    }

    /** Stages a prefixed line with its control characters escaped, cut with the marker past the longest line. */
    private void addEscaped(byte[] buf, int off, int lineLen) {
        // At most 4 bytes per byte: only a line that long can need the cut, and only then is it counted first
        boolean mayCut = 4L * lineLen > maxEscaped;
        long escaped = mayCut ? Bytes.escapedLength(buf, off, lineLen) : 4L * lineLen;
        boolean cut = mayCut && escaped > maxEscaped;
        int need = prefix.length + (cut ? maxEscaped + cutMarker.length : (int) escaped) + 1;
        if (len + need > bytes.length) {
            makeRoom(need);
        }
        System.arraycopy(prefix, 0, bytes, len, prefix.length);
        len += prefix.length;
        if (cut) {
            len += Bytes.copyEscaped(buf, off, lineLen, bytes, len, maxEscaped);
            System.arraycopy(cutMarker, 0, bytes, len, cutMarker.length);
            len += cutMarker.length;
        } else {
            len += Bytes.copyEscaped(buf, off, lineLen, bytes, len);
        }
        bytes[len++] = '\n';
        lines++;
    }

    /**
     * Stages a run of whole lines of {@code program} lying one after the other in the read buffer from
     * {@code off}, the i-th ended by its '\n' at {@code ends[i]}: in raw mode the run joins the lines
     * left in place in one step; in prefixed mode each line is copied after its prefix, in one pass
     * when all are {@code clean} (nothing to escape), else line by line (as are raw lines that
     * cannot be left in place).
     */
    void addRun(String program, byte[] buf, int off, int[] ends, int count, boolean clean) {
        if (!takes(program) || leftInPlace(buf, off, ends[count - 1] + 1, count)) {
            return;
        }
        if (!clean || prefix == null) {
            for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
                add(program, buf, start, ends[i] - start, clean);
            }
            return;
        }
        if (runLines > 0) {
            stageRun();
        }
        int prefixLen = prefix.length;
        makeRoom(prefixLen * count + ends[count - 1] + 1 - off);
        for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
            System.arraycopy(prefix, 0, bytes, len, prefixLen);
            int lineLen = ends[i] + 1 - start; // with its newline
            System.arraycopy(buf, start, bytes, len + prefixLen, lineLen);
            len += prefixLen + lineLen;
        }
        lines += count;
    }

    /** False when program lines are not written at all; else makes {@code program} the current one. */
    private boolean takes(String program) {
        if (out.dropsProgramLines()) {
            return false;
        }
        if (program != this.program) {
            this.program = program;
            prefix = out.prefixOf(program);
        }
        return true;
    }

    /**
     * Leaves {@code count} lines, {@code buf[off, end)} with their newlines, in the read buffer when
     * they can go out as they lie there (raw mode, right after the lines already left there); false
     * when they must be staged.
     */
    private boolean leftInPlace(byte[] buf, int off, int end, int count) {
        if (prefix != null || buf != readBuffer || (runLines > 0 && runEnd != off)) {
            return false;
        }
        if (runLines == 0) {
            runStart = off;
        }
        runEnd = end;
        runLines += count;
        if (len + runEnd - runStart >= FLUSH_BYTES) {
            handOver();
        }
        return true;
    }

    /** Hands the staged lines to the agent's stdout; returns how many lines were dropped since the last call. */
    int flush() {
        handOver();
        readBuffer = null;
        int n = dropped;
        dropped = 0;
        return n;
    }

    /** Copies the lines left in place after the staged ones (a line that cannot join them follows). */
    private void stageRun() {
        int runLen = runEnd - runStart;
        ensureCapacity(len + runLen);
        System.arraycopy(readBuffer, runStart, bytes, len, runLen);
        len += runLen;
        lines += runLines;
        runLines = 0;
    }

    private void makeRoom(int need) {
        if (len + need > FLUSH_BYTES) {
            handOver();
        }
        ensureCapacity(len + need);
    }

    private void ensureCapacity(int min) {
        if (min > bytes.length) {
            int size = bytes.length;
            while (size < min) {
                size *= 2;
            }
            bytes = Arrays.copyOf(bytes, size);
        }
    }

    private void handOver() {
        if (lines > 0) {
            dropped += out.offerProgramLines(program, bytes, 0, len, lines);
            len = 0;
            lines = 0;
            if (bytes.length > SHRINK_ABOVE) {
                bytes = new byte[INITIAL_BYTES]; // grown for a long line: not kept for good
            }
        }
        if (runLines > 0) {
            dropped += out.offerProgramLines(program, readBuffer, runStart, runEnd - runStart, runLines);
            runLines = 0;
        }
    }
}
