package dev.baton.logs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;

/** 1M lines of 200 bytes from a real process, through the pipeline, raw, to /dev/null. */
class ThroughputTest {
    private static final int LINES = 1_000_000;
    private static final int LINE_BYTES = 200;

    @Test
    void millionLinesFromAProcessInRawModeToDevNull() throws Exception {
        for (int round = 1; round <= 3; round++) {
            measure(round);
        }
    }

    private static void measure(int round) throws Exception {
        FileChannel devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        try (AgentOutput out = new AgentOutput(LogMode.RAW, devNull, 1 << 20);
                LogPipeline pipeline = new LogPipeline(out, 64 * 1024)) {
            AtomicLong listened = new AtomicLong();
            pipeline.addListener((program, stream, buf, off, len) -> listened.lazySet(listened.get() + 1));
            ProgramLog log = pipeline.open("engine", LogSettings.DEFAULT);
            int[] fds = LinuxIo.pipe(0);
            pipeline.attach(log, fds[0], -1);
            // 199 characters and a newline per line, written by a real process
            String script = "yes " + "x".repeat(LINE_BYTES - 1) + " | head -n " + LINES;
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", script)
                    .redirectOutput(new File("/proc/self/fd/" + fds[1]));
            long start = System.nanoTime();
            Process p = pb.start();
            LinuxIo.close(fds[1]);
            assertEquals(0, p.waitFor());
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5))
                    .until(() -> log.lines() == LINES);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals((long) LINES * LINE_BYTES, log.bytes());
            assertEquals(LINES, listened.get());
            String cpu = threadCpu();
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long usedMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
            System.out.printf("THROUGHPUT round %d: %d lines in %.3f s = %.0f lines/s, %.0f MB/s; "
                    + "stdout dropped %d; heap after GC %d MB; thread CPU %s%n", round, LINES, seconds, LINES / seconds,
                    LINES * (double) LINE_BYTES / 1e6 / seconds, out.droppedLines(), usedMb, cpu);
            assertTrue(usedMb < 64, "heap " + usedMb + " MB");
        }
    }

    /** CPU time used so far by the log threads (they are new in each round). */
    private static String threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        StringBuilder sb = new StringBuilder();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("baton-")) {
                sb.append(t.getName()).append('=').append(mx.getThreadCpuTime(t.getId()) / 1_000_000).append("ms ");
            }
        }
        return sb.toString().trim();
    }
}
