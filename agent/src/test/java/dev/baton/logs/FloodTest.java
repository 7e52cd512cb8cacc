package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;

/**
 * 200 MB pushed as fast as possible while the agent's stdout is a pipe nobody reads: after the stall
 * timeout the reader drops stdout's lines (counted) and drains the program again, memory bounded.
 */
class FloodTest {
    private static final int LINE = 200;
    private static final int LINES_PER_WRITE = 320; // 64,000 bytes per write(2)
    private static final int WRITES = 3125; // 1,000,000 lines, 200 MB

    @Test
    void aFloodIsDrainedWhileStdoutIsBlocked() throws Exception {
        Pipe stdout = Pipe.open(); // never read
        try (AgentOutput out = new AgentOutput(LogMode.RAW, stdout.sink(), 1 << 20, Duration.ofMillis(300));
                LogPipeline pipeline = new LogPipeline(out, 64 * 1024)) {
            ProgramLog log = pipeline.open("engine", LogSettings.DEFAULT);
            TestPipe pipe = TestPipe.open();
            pipeline.attach(log, pipe.readFd, -1);

            byte[] block = new byte[LINE * LINES_PER_WRITE];
            for (int i = 0; i < LINES_PER_WRITE; i++) {
                System.arraycopy((lineText(0) + "\n").getBytes(ISO_8859_1), 0, block, i * LINE, LINE);
            }
            long slowestWrite = 0;
            long start = System.nanoTime();
            for (int w = 0; w < WRITES; w++) {
                fill(block, (long) w * LINES_PER_WRITE);
                long before = System.nanoTime();
                pipe.write(block);
                slowestWrite = Math.max(slowestWrite, System.nanoTime() - before);
            }
            pipe.closeWriter();
            double seconds = (System.nanoTime() - start) / 1e9;
            long total = (long) WRITES * LINES_PER_WRITE;

            await().atMost(Duration.ofSeconds(60)).until(() -> log.lines() == total);
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long usedMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
            System.out.printf("FLOOD: writer pushed %d MB in %.2f s (%.0f MB/s), slowest write %.1f ms; "
                            + "stdout dropped %d of %d lines; heap after GC %d MB (max %d MB)%n",
                    total * LINE / 1_000_000, seconds, total * LINE / 1e6 / seconds, slowestWrite / 1e6,
                    out.droppedLines(), total, usedMb, rt.maxMemory() >> 20);

            assertEquals(total * LINE, log.bytes());
            assertTrue(slowestWrite < 2_000_000_000L, "a write blocked for " + slowestWrite / 1e6 + " ms");
            assertTrue(out.droppedLines() > total / 2, "dropped " + out.droppedLines());
            assertEquals(out.droppedLines(), log.droppedByStdout());
            assertEquals(0, log.droppedByFile());
            assertTrue(usedMb < 64, "heap after GC: " + usedMb + " MB");
            List<LogLine> last = log.tail(2);
            assertEquals(List.of(total - 1, total), last.stream().map(LogLine::seq).toList());
            assertEquals(lineText(total - 1), last.get(1).text());
            assertEquals(LogSettings.DEFAULT.ringLines(), log.tail(Integer.MAX_VALUE).size());
        }
    }

    /** Numbers the lines of the block from {@code firstLine} (the digits of "line 000000000123 x..."). */
    private static void fill(byte[] block, long firstLine) {
        for (int i = 0; i < LINES_PER_WRITE; i++) {
            long n = firstLine + i;
            for (int d = 5 + 11; d >= 5; d--) {
                block[i * LINE + d] = (byte) ('0' + n % 10);
                n /= 10;
            }
        }
    }

    private static String lineText(long n) {
        String head = String.format("line %012d ", n);
        return head + "x".repeat(LINE - 1 - head.length());
    }
}
