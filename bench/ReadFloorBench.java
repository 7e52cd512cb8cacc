package dev.baton.handover;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of a per-read log pipeline (the alternative to framing line by line that docs/benchmarks.md
 * weighs for 64 KB writes): per 256 KiB read of producer.py's 200-byte lines, one copy of the whole read
 * into a ring; the line ends, found 8 bytes per step (a line ending in '\r' or too long would send the
 * read down today's per-line path); each line's start, length, time and stream in the ring's metadata;
 * the chainflip profile's literal scan over each line. Nothing else: no counters, no stdout, no listener
 * calls. Prints this thread's CPU per line for each part, and the scan over the whole read at once for
 * comparison; compare the floor with ReaderBench's total for today's per-line pipeline, same flags:
 *
 * <pre>
 * javac -d /tmp/rfb -cp agent/target/baton.jar bench/ReadFloorBench.java bench/ReaderBench.java
 * java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -cp /tmp/rfb:agent/target/baton.jar \
 *     dev.baton.handover.ReadFloorBench          # the launcher's JIT (C1); drop the first two flags for C2
 * </pre>
 */
public class ReadFloorBench {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NL = 0x0a0a0a0a0a0a0a0aL, ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;
    private static final int MAX_LINE = 64 * 1024;

    /** The first '\n' in b[from, to), or -1: the agent's own 8-bytes-per-step search (Bytes.indexOfNewline). */
    static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NL;
            long zeros = (x - ONES) & ~x & HIGHS;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Puts the line ends of b[0, n) in ends and returns how many, or -1 when a line needs the framer. */
    static int lineEnds(byte[] b, int n, int[] ends) {
        int k = 0;
        int start = 0;
        for (int nl = indexOfNewline(b, 0, n); nl >= 0; nl = indexOfNewline(b, nl + 1, n)) {
            if ((nl > 0 && b[nl - 1] == '\r') || nl - start > MAX_LINE) {
                return -1;
            }
            ends[k++] = nl;
            start = nl + 1;
        }
        return k;
    }

    public static void main(String[] args) throws Exception {
        List<byte[]> needles = new ArrayList<>();
        for (Rule rule : ProfileReader.builtIn("chainflip").orElseThrow().rules()) {
            for (String literal : rule.contains()) {
                needles.add(literal.getBytes(StandardCharsets.UTF_8));
            }
        }
        long[] bits = new long[needles.size()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = 1L << i;
        }
        LiteralScanner scanner = new LiteralScanner(needles, bits);
        StringBuilder sb = new StringBuilder();
        int lines = 0;
        for (String line = dev.baton.logs.ReaderBench.line(0); sb.length() + line.length() <= 256 * 1024;
                line = dev.baton.logs.ReaderBench.line(++lines)) {
            sb.append(line);
        }
        byte[] read = sb.toString().getBytes(StandardCharsets.UTF_8);
        int n = read.length;
        byte[] buf = new byte[256 * 1024];
        byte[] ring = new byte[4 << 20];
        int slots = 1 << 14;
        int[] starts = new int[slots], lengths = new int[slots], ends = new int[n];
        long[] times = new long[slots];
        byte[] kinds = new byte[slots];
        int at = 0, head = 0;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        String[] parts = {"ring copy", "line ends", "line metadata", "literal scan per line", "literal scan of the whole read"};
        double[] best = new double[parts.length];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        long sink = 0;
        for (int pass = 0; pass < 15; pass++) {
            System.arraycopy(read, 0, buf, 0, n); // what read(2) would do
            long[] t = new long[parts.length + 1];
            t[0] = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                if (at + n > ring.length) {
                    at = 0;
                }
                System.arraycopy(buf, 0, ring, at, n);
                at += n;
            }
            t[1] = cpu.getCurrentThreadCpuTime();
            int count = 0;
            for (int k = 0; k < 100; k++) {
                count = lineEnds(buf, n, ends);
            }
            t[2] = cpu.getCurrentThreadCpuTime();
            long now = System.currentTimeMillis();
            for (int k = 0; k < 100; k++) {
                int start = 0;
                for (int j = 0; j < count; j++) {
                    int slot = head++ & (slots - 1);
                    starts[slot] = at + start;
                    lengths[slot] = ends[j] - start;
                    times[slot] = now;
                    kinds[slot] = 0;
                    start = ends[j] + 1;
                }
            }
            t[3] = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                int start = 0;
                for (int j = 0; j < count; j++) {
                    sink += scanner.scan(buf, start, ends[j] - start);
                    start = ends[j] + 1;
                }
            }
            t[4] = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                sink += scanner.scan(buf, 0, n);
            }
            t[5] = cpu.getCurrentThreadCpuTime();
            sink += count;
            if (pass >= 5) {
                for (int i = 0; i < parts.length; i++) {
                    best[i] = Math.min(best[i], (t[i + 1] - t[i]) / (100.0 * lines));
                }
            }
        }
        StringBuilder out = new StringBuilder("per line (best of 10 passes):");
        for (int i = 0; i < parts.length; i++) {
            out.append(String.format(" %s %.1f ns,", parts[i], best[i]));
        }
        System.out.printf("%s floor (the first four) %.1f ns (checksum %d)%n", out, best[0] + best[1] + best[2] + best[3], sink);
    }
}
