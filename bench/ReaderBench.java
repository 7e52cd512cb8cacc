package dev.baton.logs;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;
import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProfileReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The log reader thread's own work per line, without the syscalls: 64 KiB reads of a stream of
 * producer.py's 200-byte lines (most reads end inside a line) fed through the real framing, ring,
 * stdout staging and the chainflip recogniser, as reads from a pipe would be; the lines go to fd 1 as
 * the agent's stdout: {@code > /dev/null} (a file: the lines go through the spill and the stdout
 * thread) or {@code | cat > /dev/null} (a pipe: the reader writes them itself, as with a consumer, and
 * its write(2)s count too). Counts this
 * thread's CPU time, best of 10 passes. In package dev.baton.logs (package-private classes);
 * compile and run against the jar with the launcher's JIT flags:
 *
 * <pre>
 * javac -d /tmp/rb -cp agent/target/baton.jar bench/ReaderBench.java
 * java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -cp /tmp/rb:agent/target/baton.jar \
 *     dev.baton.logs.ReaderBench [raw|prefixed] [recognise|none] [per-line] [no-ring] > /dev/null
 * </pre>
 */
public class ReaderBench {
    private static final int READ = 64 * 1024;

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        LogMode mode = a.contains("prefixed") ? LogMode.PREFIXED : LogMode.RAW;
        StringBuilder sb = new StringBuilder();
        int lines = 0;
        for (String line = line(0); sb.length() + line.length() <= 1 << 20; line = line(++lines)) {
            sb.append(line);
        }
        // A continuous stream of lines read 64 KiB at a time: most reads end inside a line, as a pipe's do
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[READ];
        // fd 1, as the agent's: the reader writes lines to it itself while it takes them (run with > /dev/null)
        AgentOutput out = AgentOutput.stdout(mode, 4 << 20, java.time.Duration.ofSeconds(5));
        LogPipeline pipeline = new LogPipeline(out, 64 * 1024);
        LogSettings d = LogSettings.DEFAULT;
        ProgramLog log = pipeline.open("producer", a.contains("no-ring")
                ? new LogSettings(d.toAgentStdout(), d.file(), d.maxBytes(), d.backups(), 0, 0) : d);
        if (!a.contains("none")) {
            // As the handover coordinator does: the program's recogniser looked up, once per run of
            // lines (or, with "per-line", once per line: a plain LineListener)
            java.util.Map<String, LineRecognizer> byProgram =
                    new java.util.HashMap<>(java.util.Map.of("producer", new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow())));
            LineListener perLine = (program, stream, b, off, len) -> {
                LineRecognizer r = byProgram.get(program);
                if (r != null) {
                    r.recognize(b, off, len);
                }
            };
            pipeline.addListener(a.contains("per-line") ? perLine : new RunListener() {
                @Override
                public void onLine(String program, StreamKind stream, byte[] b, int off, int len) {
                    perLine.onLine(program, stream, b, off, len);
                }

                @Override
                public void onRun(String program, StreamKind stream, byte[] b, int off, int[] ends, int count) {
                    LineRecognizer r = byProgram.get(program);
                    for (int i = 0, start = off; r != null && i < count; start = ends[i++] + 1) {
                        r.recognize(b, start, ends[i] - start);
                    }
                }
            });
        }
        AttachedPipe pipe = new AttachedPipe(-1, StreamKind.STDOUT, log, 64 * 1024, out.escapesProgramLines(), () -> { }, null);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < 15; pass++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int at = 0; at < 4 * text.length; at += READ) { // four passes over the stream, wrapping around
                for (int i = 0, from = at % text.length; i < READ; ) { // what read(2) would do
                    int n = Math.min(READ - i, text.length - from);
                    System.arraycopy(text, from, buf, i, n);
                    i += n;
                    from = (from + n) % text.length;
                }
                pipe.feed(buf, READ, System.currentTimeMillis());
                out.wakeIfPending();
            }
            double ns = (cpu.getCurrentThreadCpuTime() - t0) / (4.0 * lines);
            if (pass >= 5) {
                best = Math.min(best, ns);
            }
        }
        System.err.printf("mode=%s recognise=%s%s: %.1f ns per line on the reader thread%n", mode, !a.contains("none"),
                a.contains("per-line") ? " (listener per line)" : "", best);
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
