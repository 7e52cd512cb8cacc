package dev.baton.handover;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds which of up to 64 byte literals occur in a byte range, in one pass that skips most bytes
 * (Wu-Manber: a window as long as the shortest literal slides over the text; a table says how far
 * it may jump given the window's last bytes). The block hashed per step is 3 bytes when the shortest
 * literal allows it (3-grams of log text rarely occur in the literals, so most steps jump nearly a
 * whole window; 2-grams such as "in" or "e " are everywhere), else 2, else 1.
 *
 * <p>Several needles may stand for one literal (a literal and its JSON-escaped form): each needle
 * carries the bit of its literal. Immutable and thread-safe.
 */
final class LiteralScanner {

    private static final int TABLE_BITS = 12;
    private static final int TABLE_MASK = (1 << TABLE_BITS) - 1;
    private static final int MAX_SHIFT = 127;
    /** Four bytes in one load: the window's last three are its top three. */
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[][] needles;
    private final long[] needleBits;
    private final int window;      // length of the shortest needle
    private final int block;       // bytes hashed per step
    private final byte[] shift;    // per block hash: how far the window may jump
    private final int[][] buckets; // per block hash with shift 0: needles whose window ends with it

    /**
     * @param needles    the byte strings to look for (none empty)
     * @param needleBits for each needle, the bit reported when it is found
     */
    LiteralScanner(List<byte[]> needles, long[] needleBits) {
        if (needles.isEmpty() || needles.size() != needleBits.length) {
            throw new IllegalArgumentException("needles and bits must be non-empty and of equal length");
        }
        this.needles = needles.toArray(new byte[0][]);
        this.needleBits = needleBits.clone();
        this.window = needles.stream().mapToInt(n -> n.length).min().orElseThrow();
        if (window == 0) {
            throw new IllegalArgumentException("empty needle");
        }
        // A block as long as the window would only ever shift by one
        this.block = window >= 4 ? 3 : window >= 2 ? 2 : 1;
        this.shift = new byte[TABLE_MASK + 1];
        Arrays.fill(shift, (byte) Math.min(window - block + 1, MAX_SHIFT));
        List<List<Integer>> lists = new ArrayList<>();
        for (int i = 0; i <= TABLE_MASK; i++) {
            lists.add(null);
        }
        for (int n = 0; n < this.needles.length; n++) {
            byte[] p = this.needles[n];
            for (int end = block; end <= window; end++) { // the block ends at p[end - 1]
                int h = hash(p, end - 1);
                shift[h] = (byte) Math.min(shift[h], window - end);
                if (end == window) {
                    if (lists.get(h) == null) {
                        lists.set(h, new ArrayList<>());
                    }
                    lists.get(h).add(n);
                }
            }
        }
        this.buckets = new int[TABLE_MASK + 1][];
        for (int h = 0; h <= TABLE_MASK; h++) {
            List<Integer> l = lists.get(h);
            buckets[h] = l == null ? null : l.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** The bits of every literal found in {@code buf[off, off+len)}; 0 when none is there. */
    long scan(byte[] buf, int off, int len) {
        int end = off + len;
        long found = 0;
        int i = off + window - 1; // last byte of the current window
        // One loop per block size: C1 would not hoist a branch on the block out of the loop
        if (block == 3) {
            byte[] shift = this.shift;
            while (i < end) {
                int h = mix3((int) INTS.get(buf, i - 3) >>> 8); // i - 3 >= off: the window is at least 4 long
                int s = shift[h];
                if (s == 0) {
                    found = verify(h, buf, i, end, found);
                    s = 1;
                }
                i += s;
            }
            return found;
        }
        while (i < end) {
            int h = hash(buf, i);
            int s = shift[h];
            if (s == 0) {
                found = verify(h, buf, i, end, found);
                s = 1;
            }
            i += s;
        }
        return found;
    }

    /** The window ending at {@code last} ends with a block of some needle's window: compares them. */
    private long verify(int h, byte[] buf, int last, int end, long found) {
        int start = last - window + 1;
        for (int n : buckets[h]) {
            if ((found & needleBits[n]) == 0 && matchesAt(needles[n], buf, start, end)) {
                found |= needleBits[n];
            }
        }
        return found;
    }

    private int hash(byte[] b, int last) {
        return switch (block) {
            case 3 -> hash3(b, last);
            case 2 -> ((b[last - 1] & 0xff) << 5 ^ (b[last] & 0xff)) & TABLE_MASK;
            default -> b[last] & 0xff;
        };
    }

    /** The three bytes ending at {@code last}, hashed as {@link #scan} does with one load. */
    private static int hash3(byte[] b, int last) {
        return mix3((b[last - 2] & 0xff) | (b[last - 1] & 0xff) << 8 | (b[last] & 0xff) << 16);
    }

    /** 24 bits (three bytes, the last one highest) to a table index. */
    private static int mix3(int bytes) {
        return bytes * 0x9E3779B1 >>> 32 - TABLE_BITS;
    }

    private static boolean matchesAt(byte[] needle, byte[] buf, int start, int end) {
        if (start + needle.length > end) {
            return false;
        }
        for (int k = 0; k < needle.length; k++) {
            if (buf[start + k] != needle[k]) {
                return false;
            }
        }
        return true;
    }
}
