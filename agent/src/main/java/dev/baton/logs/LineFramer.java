package dev.baton.logs;

import java.nio.charset.StandardCharsets;

/**
 * Splits the bytes of one pipe into lines: on '\n', dropping one '\r' before it, carrying a partial
 * line across reads in a bounded buffer. A line longer than the limit is emitted cut at the limit,
 * followed by a marker; the rest of it, up to its newline, is discarded. Bytes are never decoded.
 * Used by the reader thread only.
 */
final class LineFramer {
    /** Receives each line; {@code shownLen} also covers the cut marker that follows a cut line. */
    interface Lines {
        void line(byte[] buf, int off, int len, int shownLen);

        /**
         * {@link #line}, knowing whether the shown bytes have no control character other than TAB
         * ({@code clean}; false when unknown): the newline search found that out on the way.
         */
        default void line(byte[] buf, int off, int len, int shownLen, boolean clean) {
            line(buf, off, len, shownLen);
        }

        /**
         * {@code count} whole lines lying one after the other from {@code off}, the i-th ended by its
         * '\n' at {@code ends[i]}: none has a '\r' before its newline nor is too long, so each is shown
         * as it is; {@code clean} as for {@link #line(byte[], int, int, int, boolean)}, for all of them
         * (a framer that finds control characters makes runs of clean lines only). Called instead of
         * {@link #line} once per run of such lines in a read.
         */
        default void lines(byte[] buf, int off, int[] ends, int count, boolean clean) {
            int start = off;
            for (int i = 0; i < count; i++) {
                int len = ends[i] - start;
                line(buf, start, len, len, clean);
                start = ends[i] + 1;
            }
        }
    }

    /** The most line ends one {@link Lines#lines} call takes. */
    static final int RUN_LINES = 256;

    private static final int INITIAL_CARRY = 256;

    private final int maxLine;
    private final byte[] marker;
    private byte[] carry = new byte[0];
    private int carryLen;
    /** Discarding the rest of a cut line, up to its newline. */
    private boolean skipping;
    private final boolean findControls;
    /** The line ends of the current run of lines (allocated at the first line framed). */
    private int[] ends;

    LineFramer(int maxLineBytes) {
        this(maxLineBytes, false);
    }

    /**
     * @param findControls also tell, for each line, whether it has a control character other than
     *                     TAB (its lines' reader escapes those: the agent's stdout in prefixed mode);
     *                     found in the same pass as the newline
     */
    LineFramer(int maxLineBytes, boolean findControls) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLine = maxLineBytes;
        this.marker = cutMarker(maxLineBytes);
        this.findControls = findControls;
    }

    static byte[] cutMarker(int maxLineBytes) {
        return (" [baton: line cut at " + maxLineBytes + " bytes]").getBytes(StandardCharsets.US_ASCII);
    }

    void feed(byte[] buf, int off, int len, Lines out) {
        int end = off + len;
        int pos = off;
        while (pos < end) {
            if (carryLen == 0 && !skipping) {
                pos = feedRuns(buf, pos, end, out); // then one line or partial line that needs the steps below
                if (pos == end) {
                    return;
                }
            }
            int nl;
            boolean clean = false;
            if (findControls) {
                // One pass finds the newline and whether a control character comes before it
                nl = Bytes.indexOfControl(buf, pos, end);
                if (nl >= 0 && buf[nl] == '\r' && nl + 1 < end && buf[nl + 1] == '\n') {
                    nl++; // CRLF: the CR goes with the line end
                }
                clean = nl >= 0 && buf[nl] == '\n';
                if (!clean && nl >= 0) {
                    nl = Bytes.indexOfNewline(buf, nl, end);
                }
            } else {
                nl = Bytes.indexOfNewline(buf, pos, end);
            }
            if (skipping) {
                if (nl < 0) {
                    return;
                }
                skipping = false;
            } else if (nl < 0) {
                keepPartial(buf, pos, end - pos, out);
                return;
            } else if (carryLen == 0) {
                emit(buf, pos, nl - pos, clean, out);
            } else {
                // A line is cut only past maxLine + 1 bytes: the extra one may be the '\r' of a CRLF
                boolean longer = carryLen + nl - pos > maxLine + 1;
                appendToCarry(buf, pos, Math.min(nl - pos, maxLine + 1 - carryLen));
                emitCarry(longer, out);
            }
            pos = nl + 1;
        }
    }

    /**
     * Hands on the lines from {@code pos} as runs of up to {@link #RUN_LINES} lines ({@link Lines#lines}),
     * one call per run instead of one per line, as long as each is shown as it is (no '\r' before its
     * newline, not too long) and, when finding control characters, has none; returns where the
     * line-by-line framing takes over (a partial line, or one that needs cutting, its '\r' dropped or
     * its control characters escaped).
     */
    private int feedRuns(byte[] buf, int pos, int end, Lines out) {
        int runStart = pos;
        int count = 0;
        for (int nl = nextStop(buf, pos, end); nl >= 0; nl = nextStop(buf, nl + 1, end)) {
            if (nl - pos > maxLine || buf[nl] != '\n' || (nl > pos && buf[nl - 1] == '\r')) {
                break;
            }
            if (ends == null) {
                ends = new int[RUN_LINES];
            }
            ends[count++] = nl;
            pos = nl + 1;
            if (count == RUN_LINES) {
                out.lines(buf, runStart, ends, count, findControls);
                runStart = pos;
                count = 0;
            }
        }
        if (count > 0) {
            out.lines(buf, runStart, ends, count, findControls);
        }
        return pos;
    }

    /** The next '\n', or, when finding control characters, the next of those ('\n' is one). */
    private int nextStop(byte[] buf, int from, int to) {
        return findControls ? Bytes.indexOfControl(buf, from, to) : Bytes.indexOfNewline(buf, from, to);
    }

    /** The bytes of the line begun but not ended. */
    int carried() {
        return carryLen;
    }

    /** The line begun but not ended, or null when none: see {@link PendingLine}. */
    PendingLine pending() {
        return carryLen == 0 && !skipping ? null : new PendingLine(java.util.Arrays.copyOf(carry, carryLen), skipping);
    }

    /**
     * Takes up where another framer of the same pipe stopped ({@link #pending}), before any read:
     * its bytes are the start of the next line (cut, through {@code out}, if longer than this
     * framer's limit).
     */
    void resumeWith(PendingLine pending, Lines out) {
        if (pending.skipping()) {
            skipping = true;
        } else if (pending.bytes().length > 0) {
            keepPartial(pending.bytes(), 0, pending.bytes().length, out);
        }
    }

    /** At EOF: a last line without its newline is still a line. */
    void finish(Lines out) {
        skipping = false;
        if (carryLen > 0) {
            emitCarry(false, out);
        }
    }

    private void keepPartial(byte[] buf, int off, int len, Lines out) {
        if (carryLen + len <= maxLine + 1) {
            appendToCarry(buf, off, len);
            return;
        }
        appendToCarry(buf, off, maxLine + 1 - carryLen);
        skipping = true;
        emitCarry(true, out); // longer than maxLine + 1: cut, even where its byte maxLine + 1 is a '\r'
    }

    /**
     * Emits the carried line ({@code longer}: known to go on past the carry, so cut whatever its
     * last byte) and empties the carry first: a receiver that throws (out of memory) must not get
     * the same line again with every later read.
     */
    private void emitCarry(boolean longer, Lines out) {
        int len = carryLen;
        if (longer || len > maxLine) {
            ensureCarry(maxLine + marker.length); // room for the marker, while carryLen keeps the line in a copy
        }
        carryLen = 0;
        if (longer) {
            emitCut(carry, 0, false, out);
        } else {
            emit(carry, 0, len, false, out);
        }
    }

    /** {@code clean}: the line (its last '\r' aside) is known to have no control character but TAB. */
    private void emit(byte[] buf, int off, int len, boolean clean, Lines out) {
        if (len > 0 && buf[off + len - 1] == '\r') {
            len--;
        }
        if (len <= maxLine) {
            out.line(buf, off, len, len, clean);
            return;
        }
        emitCut(buf, off, clean, out);
    }

    /**
     * Emits the first {@code maxLine} bytes of a longer line and the marker, the cut moved back (at
     * most 3 bytes) to the start of a UTF-8 character it would split: the text before the marker
     * stays valid UTF-8 (journald shows a line with an invalid sequence as a blob).
     */
    private void emitCut(byte[] buf, int off, boolean clean, Lines out) {
        int cut = Utf8.characterStart(buf, off, maxLine);
        ensureCarry(cut + marker.length);
        if (buf != carry) {
            System.arraycopy(buf, off, carry, 0, cut);
        }
        System.arraycopy(marker, 0, carry, cut, marker.length);
        out.line(carry, 0, cut, cut + marker.length, clean);
    }

    private void appendToCarry(byte[] buf, int off, int len) {
        ensureCarry(carryLen + len);
        System.arraycopy(buf, off, carry, carryLen, len);
        carryLen += len;
    }

    private void ensureCarry(int needed) {
        if (needed > carry.length) {
            int size = Math.max(INITIAL_CARRY, carry.length);
            while (size < needed) {
                size *= 2;
            }
            byte[] bigger = new byte[Math.min(size, maxLine + 1 + marker.length)];
            System.arraycopy(carry, 0, bigger, 0, carryLen);
            carry = bigger;
        }
    }
}
