package dev.baton.metrics;

import static dev.baton.metrics.MetricsAgent.program;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time and allocation of one full render (JVM basics and every baton family) on a real agent with
 * 2 and 50 programs. Not part of the test run (no "Test" suffix); run it with
 * {@code mvn -o test -Dtest=ScrapeCostBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ScrapeCostBench {
    private static final int WARMUP = 2_000;
    private static final int BATCHES = 10;
    private static final int PER_BATCH = 200;

    @TempDir
    Path dir;

    @Test
    void twoPrograms() throws Exception {
        measure(2);
    }

    @Test
    void fiftyPrograms() throws Exception {
        measure(50);
    }

    private void measure(int programs) throws Exception {
        StringBuilder config = new StringBuilder();
        for (int i = 0; i < programs; i++) {
            config.append(program("p" + i, "[\"sleep\", \"300\"]", "start_secs = \"0s\""));
        }
        try (MetricsAgent agent = new MetricsAgent(dir).config(config.toString()).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.control().status().programs().stream()
                    .filter(p -> p.pid() > 0).count() == programs);
            BatonMetrics metrics = agent.metrics();
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int size = 0;
            for (int i = 0; i < WARMUP; i++) {
                size = metrics.scrape().length;
            }
            double[] micros = new double[BATCHES];
            long allocated = 0;
            for (int b = 0; b < BATCHES; b++) {
                long a0 = threads.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                for (int i = 0; i < PER_BATCH; i++) {
                    metrics.scrape();
                }
                micros[b] = (System.nanoTime() - t0) / 1e3 / PER_BATCH;
                allocated += threads.getCurrentThreadAllocatedBytes() - a0;
            }
            Arrays.sort(micros);
            System.out.printf("scrape cost, %d programs: %d bytes of text, %.0f us per render (median batch;"
                            + " best %.0f), %.1f KB allocated per render, load average %.1f%n", programs, size,
                    micros[BATCHES / 2], micros[0], allocated / 1024.0 / BATCHES / PER_BATCH,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
