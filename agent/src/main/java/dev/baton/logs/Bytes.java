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
}
