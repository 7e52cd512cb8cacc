package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Many short-lived children: nothing leaks, and how long a spawn takes (printed to the test's output). */
class SpawnEnduranceTest {
    private static final int CYCLES = 10_000;
    private static final int IN_FLIGHT = 32; // children alive at once, at most: the loop never outruns the reaper
    private static final SpawnRequest TRUE = Children.request("/bin/true");

    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final AtomicInteger exits = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private Spawner spawner;
    private Reaper reaper;
    private int spawned;

    @BeforeEach
    void start() {
        spawner = new Spawner();
        reaper = new Reaper((pid, status) -> {
            if (!status.equals(ExitStatus.exited(0))) {
                failures.incrementAndGet();
            }
            exits.incrementAndGet();
            slots.release();
        });
        reaper.start();
    }

    @AfterEach
    void stop() {
        spawner.close();
        reaper.close();
    }

    @Test
    void tenThousandSpawnExitCyclesKeepTheDescriptorCountConstant() throws Exception {
        runTrue(200); // warm up: classes loaded, code compiled
        Map<String, String> before = Children.openFds();
        long start = System.nanoTime();

        for (int round = 0; round < 10; round++) {
            runTrue(CYCLES / 10);
            Children.awaitOpenFds(before);
        }

        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d spawn/exit cycles of /bin/true in %.1f s (%.0f/s); the JVM's %d open fds were the "
                + "same ones after each 1,000%n", CYCLES, seconds, CYCLES / seconds, before.size());
        assertEquals(0, failures.get());
        assertEquals(List.of(), ProcessTable.zombieChildrenOf(Os.pid()));
    }

    @Test
    void spawnLatency() throws Exception {
        runTrue(200);
        for (boolean dieWithAgent : new boolean[] {false, true}) {
            SpawnRequest request = new SpawnRequest(TRUE.argv(), TRUE.environment(), null, null, null, null,
                    dieWithAgent);
            long[] micros = new long[1_000];
            for (int i = 0; i < micros.length; i++) {
                assertTrue(slots.tryAcquire(30, TimeUnit.SECONDS), "the reaper stopped reporting exits");
                long start = System.nanoTime();
                spawnAndForget(request);
                micros[i] = (System.nanoTime() - start) / 1_000;
            }
            Arrays.sort(micros);
            System.out.printf("spawn latency of /bin/true, dieWithAgent=%s, %d spawns: median %d us, p99 %d us, "
                    + "max %d us%n", dieWithAgent, micros.length, micros[micros.length / 2],
                    micros[micros.length * 99 / 100], micros[micros.length - 1]);
        }
        awaitAllExits();
        assertEquals(0, failures.get());
    }

    private void runTrue(int cycles) throws Exception {
        for (int i = 0; i < cycles; i++) {
            assertTrue(slots.tryAcquire(30, TimeUnit.SECONDS), "the reaper stopped reporting exits");
            spawnAndForget(TRUE);
        }
        awaitAllExits();
    }

    private void spawnAndForget(SpawnRequest request) throws SpawnException {
        SpawnedProcess child = spawner.spawn(request);
        reaper.childSpawned();
        Children.closePipes(child);
        spawned++;
    }

    private void awaitAllExits() {
        Children.eventually().until(() -> exits.get() == spawned);
    }
}
