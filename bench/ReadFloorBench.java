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
 * weighed for 64 KB writes): per 256 KiB read of producer.py's 200-byte lines, one copy into a ring, one
 * 8-bytes-per-step pass that counts the '\n' (and would send a read with a '\r' down the per-line path),
 * one literal scan of the chainflip profile over the whole read. Nothing else: no line boundaries kept, no
 * counters, no stdout. Prints this thread's CPU per line for each part; compare with ReaderBench's total
 * for today's per-line pipeline under the same flags:
 *
 * <pre>
 * javac -d /tmp/rfb -cp agent/target/baton.jar bench/ReadFloorBench.java bench/ReaderBench.java
 * java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -cp /tmp/rfb:agent/target/baton.jar \
 *     dev.baton.handover.ReadFloorBench          # the launcher's JIT (C1); drop the first two flags for C2
 * </pre>
 */
public class ReadFloorBench {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NL = 0x0a0a0a0a0a0a0a0aL, CR = 0x0d0d0d0d0d0d0d0dL, LOW7 = 0x7f7f7f7f7f7f7f7fL;

    /** The '\n' in buf[0, n), or -1 when there is a '\r' (that read would go through the line framer). */
    static long countLines(byte[] b, int n) {
        long lines = 0;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long x = (long) LONGS.get(b, i);
            long a = x ^ NL, c = x ^ CR;
            long newlines = ~(((a & LOW7) + LOW7) | a | LOW7); // the high bit of each byte that was '\n'
            if (~(((c & LOW7) + LOW7) | c | LOW7) != 0) {
                return -1;
            }
            lines += Long.bitCount(newlines);
        }
        for (; i < n; i++) {
            lines += b[i] == '\n' ? 1 : 0;
        }
        return lines;
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
        int at = 0;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        long sink = 0;
        for (int pass = 0; pass < 15; pass++) {
            System.arraycopy(read, 0, buf, 0, n); // what read(2) would do
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                if (at + n > ring.length) {
                    at = 0;
                }
                System.arraycopy(buf, 0, ring, at, n);
                at += n;
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                sink += countLines(buf, n);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < 100; k++) {
                sink += scanner.scan(buf, 0, n);
            }
            long t3 = cpu.getCurrentThreadCpuTime();
            if (pass >= 5) {
                double per = 100.0 * lines;
                best[0] = Math.min(best[0], (t1 - t0) / per);
                best[1] = Math.min(best[1], (t2 - t1) / per);
                best[2] = Math.min(best[2], (t3 - t2) / per);
            }
        }
        System.out.printf("per line (best of 10 passes): ring copy %.1f ns, newline count %.1f ns, literal scan %.1f ns;"
                + " floor %.1f ns (checksum %d)%n", best[0], best[1], best[2], best[0] + best[1] + best[2], sink);
    }
}
