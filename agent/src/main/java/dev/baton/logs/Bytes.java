package dev.baton.logs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte scanning helpers for the hot path. */
final class Bytes {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Bytes() {
    }

    /**
     * Index of the first '\n' in {@code buf[from, to)}, or -1. Looks at 8 bytes per step (a byte
     * loop is several times slower, the more so under C1, which the agent may run with).
     */
    static int indexOfNewline(byte[] buf, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(buf, i) ^ NEWLINES; // a zero byte where there was a '\n'
            long zeros = (x - ONES) & ~x & HIGHS; // exact for the lowest zero byte, which is the one used
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** How many '\n' in {@code buf[from, to)}. */
    static int countNewlines(byte[] buf, int from, int to) {
        int n = 0;
        for (int i = indexOfNewline(buf, from, to); i >= 0; i = indexOfNewline(buf, i + 1, to)) {
            n++;
        }
        return n;
    }

    /**
     * Index of the first control character other than TAB (a byte below 0x20: CR, ESC, BEL ...) in
     * {@code buf[from, to)}, or -1. Looks at 8 bytes per step: lines almost never have one.
     */
    static int indexOfControl(byte[] buf, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(buf, i);
            if (((x - SPACES) & ~x & HIGHS) != 0) { // some byte below 0x20 (maybe only a TAB)
                for (int j = i; j < i + 8; j++) {
                    if (isControl(buf[j])) {
                        return j;
                    }
                }
            }
        }
        for (; i < to; i++) {
            if (isControl(buf[i])) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isControl(byte b) {
        return b >= 0 && b < 0x20 && b != '\t';
    }

    /** The bytes {@link #copyEscaped} writes for {@code src[off, off + len)}: 3 more per control character. */
    static long escapedLength(byte[] src, int off, int len) {
        long n = len;
        for (int i = indexOfControl(src, off, off + len); i >= 0; i = indexOfControl(src, i + 1, off + len)) {
            n += 3;
        }
        return n;
    }

    /**
     * Copies {@code src[off, off + len)} to {@code dst} at {@code at} with each control character
     * other than TAB written as {@code \xNN}, so that no line can move the cursor, clear the
     * terminal or start what looks like another line; returns the bytes written.
     */
    static int copyEscaped(byte[] src, int off, int len, byte[] dst, int at) {
        return copyEscaped(src, off, len, dst, at, Integer.MAX_VALUE);
    }

    /**
     * {@link #copyEscaped(byte[], int, int, byte[], int)}, writing at most {@code maxOut} bytes: it
     * stops before the first byte or escape that would not fit; returns the bytes written (less than
     * {@link #escapedLength} of the line when it stopped).
     */
    static int copyEscaped(byte[] src, int off, int len, byte[] dst, int at, int maxOut) {
        int start = at;
        int end = off + len;
        for (int i = off; i < end; ) {
            int ctl = indexOfControl(src, i, end);
            int plain = Math.min((ctl < 0 ? end : ctl) - i, maxOut - (at - start));
            System.arraycopy(src, i, dst, at, plain);
            at += plain;
            if (ctl < 0 || ctl > i + plain || maxOut - (at - start) < 4) {
                break;
            }
            byte b = src[ctl];
            dst[at++] = '\\';
            dst[at++] = 'x';
            dst[at++] = HEX[(b >> 4) & 0xf];
            dst[at++] = HEX[b & 0xf];
            i = ctl + 1;
        }
        return at - start;
    }
}
