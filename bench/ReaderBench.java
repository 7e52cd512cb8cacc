package dev.baton.logs;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;
import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProfileReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The log reader thread's own work per line, without the syscalls: 256 KiB reads of producer.py's
 * 200-byte lines fed through the real framing, ring, stdout staging and spill (stdout discarded by
 * its writer thread) and the chainflip recogniser, as a read from a pipe would be. Counts this
 * thread's CPU time, best of 10 passes. In package dev.baton.logs (package-private classes);
 * compile and run against the jar with the launcher's JIT flags:
 *
 * <pre>
 * javac -d /tmp/rb -cp agent/target/baton.jar bench/ReaderBench.java
 * java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -cp /tmp/rb:agent/target/baton.jar \
 *     dev.baton.logs.ReaderBench [raw|prefixed] [recognise|none]
 * </pre>
 */
public class ReaderBench {
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        LogMode mode = a.contains("prefixed") ? LogMode.PREFIXED : LogMode.RAW;
        StringBuilder sb = new StringBuilder();
        int lines = 0;
        for (String line = line(0); sb.length() + line.length() <= 256 * 1024; line = line(++lines)) {
            sb.append(line);
        }
        byte[] read = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[256 * 1024];
        AgentOutput out = new AgentOutput(mode, Channels.newChannel(OutputStream.nullOutputStream()), 4 << 20);
        LogPipeline pipeline = new LogPipeline(out, 64 * 1024);
        ProgramLog log = pipeline.open("producer", LogSettings.DEFAULT);
        if (!a.contains("none")) {
            LineRecognizer r = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());
            pipeline.addListener((program, stream, b, off, len) -> r.recognize(b, off, len));
        }
        AttachedPipe pipe = new AttachedPipe(-1, StreamKind.STDOUT, log, 64 * 1024, out.escapesProgramLines(), () -> { });
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < 15; pass++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < 100; i++) {
                System.arraycopy(read, 0, buf, 0, read.length); // what read(2) would do
                pipe.feed(buf, read.length, System.currentTimeMillis());
                out.wakeIfPending();
            }
            double ns = (cpu.getCurrentThreadCpuTime() - t0) / (100.0 * lines);
            if (pass >= 5) {
                best = Math.min(best, ns);
            }
        }
        System.out.printf("mode=%s recognise=%s: %.1f ns per line on the reader thread%n", mode, !a.contains("none"), best);
        pipeline.close();
        out.close();
    }

    /** producer.py's line i: engine-like JSON noise padded to 200 bytes. */
    public static String line(int i) {
        String msg = "{\"timestamp\":\"2025-05-01T12:00:00." + String.format("%06d", i % 1000000) + "Z\",\"level\":\"DEBUG\","
                + "\"fields\":{\"message\":\"Processing block " + (1000000 + i) + ": 12 extrinsics, 3 events, witnessing ok\"},"
                + "\"target\":\"chainflip_engine::witness::eth\"}";
        return (msg + " ".repeat(Math.max(0, 199 - msg.length()))) + "\n";
    }
}
