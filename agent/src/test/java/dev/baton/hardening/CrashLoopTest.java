package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that crash-loops. Backoff timers run on the monotonic clock (EventLoop), so time is
 * simulated by shrinking the durations: 1 s initial / 60 s max at 1:100 is 10 ms / 600 ms, and an
 * hour is 36 s. The agent runs in its own JVM so its CPU, RSS, fds and threads can be sampled.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class CrashLoopTest {
    @TempDir
    Path dir;

    /** Agent resources at one moment. */
    record Sample(long nanos, long cpuTicks, int fds, long threads, long rssKb) {
        static Sample of(long pid) {
            return new Sample(System.nanoTime(), Proc.cpuTicks(pid), Proc.fds(pid), Proc.threads(pid), Proc.rssKb(pid));
        }
    }

    private List<Long> spawnTimes(Path log) throws Exception {
        List<Long> out = new ArrayList<>();
        if (Files.exists(log)) {
            for (String l : Files.readAllLines(log)) {
                if (!l.isBlank()) {
                    out.add(Long.parseLong(l.trim()));
                }
            }
        }
        return out;
    }

    private static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    @Test
    void anHourOfCrashLoopAtOneHundredTimesSpeed() throws Exception {
        int scale = Soak.count("crashScale", 100, 10); // 1:100 by default (36 s), 1:10 under -Psoak (6 min)
        long maxMs = 60_000 / scale;
        long hourMs = 3_600_000 / scale;
        Path spawns = dir.resolve("spawns");
        // Each start notes its time (ns since boot, the clock the test measures with) and exits 1 at once.
        Path crash = Fixtures.script(dir, "crash.sh", "read up _ < /proc/uptime; echo \"${up%.*}${up#*.}0000000\" >> " + spawns
                + "\nexit 1");
        Files.writeString(dir.resolve("baton.toml"), Fixtures.agent(dir.resolve("state"))
                + program("crashy", argv(crash), "restart = \"always\"", "start_secs = \"0s\"",
                "start_retries = \"forever\"", "backoff = { initial = \"" + (1000 / scale) + "ms\", max = \"" + maxMs
                        + "ms\", multiplier = 2.0, jitter = 0.2, reset_after = \"" + maxMs + "ms\" }"));
        try (AgentJvm agent = AgentJvm.with(dir.resolve("baton.toml")).start()) {
            // Warm-up: the JVM's own start (class loading, JIT) is not the crash loop's cost.
            await().atMost(Duration.ofSeconds(60)).until(() -> spawnTimes(spawns).size() >= 10);
            List<Sample> samples = new ArrayList<>();
            long end = System.nanoTime() + hourMs * 1_000_000;
            samples.add(Sample.of(agent.pid()));
            await().atMost(Duration.ofMillis(hourMs + 30_000)).pollInterval(Duration.ofMillis(500)).until(() -> {
                samples.add(Sample.of(agent.pid()));
                return System.nanoTime() >= end;
            });
            assertTrue(agent.alive(), agent.stderrText());
            List<Long> times = spawnTimes(spawns);
            long[] gaps = new long[times.size() - 10];
            for (int i = 10; i < times.size(); i++) {
                gaps[i - 10] = (times.get(i) - times.get(i - 1)) / 1_000_000;
            }
            Sample first = samples.get(0);
            Sample last = samples.get(samples.size() - 1);
            double cpu = 100.0 * (last.cpuTicks() - first.cpuTicks()) * 10 / ((last.nanos() - first.nanos()) / 1e6);
            int fdMin = samples.stream().mapToInt(Sample::fds).min().orElse(-1);
            int fdMax = samples.stream().mapToInt(Sample::fds).max().orElse(-1);
            long thMax = samples.stream().mapToLong(Sample::threads).max().orElse(-1);
            long thMin = samples.stream().mapToLong(Sample::threads).min().orElse(-1);
            // RSS: compare the second quarter with the last (the heap settles in the first).
            int q = samples.size() / 4;
            long rssEarly = samples.subList(q, 2 * q).stream().mapToLong(Sample::rssKb).max().orElse(0);
            long rssLate = samples.subList(3 * q, samples.size()).stream().mapToLong(Sample::rssKb).max().orElse(0);
            System.out.printf("crash-loop 1:%d: %d starts in %d ms simulated-hour, gap median %d ms (max %d), min %d, max %d; "
                            + "agent CPU %.2f%% of a core; fds %d..%d; threads %d..%d; RSS %d -> %d kB%n",
                    scale, times.size(), hourMs, median(gaps), maxMs, Arrays.stream(gaps).min().orElse(0),
                    Arrays.stream(gaps).max().orElse(0), cpu, fdMin, fdMax, thMin, thMax, rssEarly, rssLate);
            // Backoff holds: after the ramp every gap is about max (jitter +-20%), never a fast loop.
            assertTrue(Arrays.stream(gaps).min().orElse(0) >= maxMs * 0.75, "a restart came too soon: " + Arrays.toString(gaps));
            assertTrue(median(gaps) <= maxMs * 1.6, "restarts far slower than the backoff: " + Arrays.toString(gaps));
            long expected = hourMs / maxMs;
            assertTrue(times.size() - 10 >= expected * 0.6 && times.size() - 10 <= expected * 1.3,
                    "starts in the hour: " + (times.size() - 10) + ", expected about " + expected);
            assertTrue(cpu < 10, "the crash loop costs the agent " + cpu + "% of a core");
            assertTrue(fdMax - fdMin <= 4, "fd count moved: " + fdMin + ".." + fdMax);
            assertTrue(thMax - thMin <= 3, "thread count moved: " + thMin + ".." + thMax);
            assertTrue(rssLate - rssEarly < 16_000, "RSS grew from " + rssEarly + " to " + rssLate + " kB");
        }
    }

    @Test
    void thousandsOfRestartsWithNoBackoffLeakNothing() throws Exception {
        int target = Soak.count("hammerRestarts", 2000, 20000);
        Path crash = Fixtures.script(dir, "crash.sh", "exit 1");
        Files.writeString(dir.resolve("baton.toml"), Fixtures.agent(dir.resolve("state"))
                + program("hammer", argv(crash), "restart = \"always\"", "start_secs = \"0s\"",
                "start_retries = \"forever\"", "backoff = { initial = \"0s\", max = \"1ms\", jitter = 0.0 }")
                + program("steady", argv("sleep", "100000"), "start_secs = \"0s\""));
        try (AgentJvm agent = AgentJvm.with(dir.resolve("baton.toml")).start()) {
            Path log = dir.resolve("agent.stdout");
            await().atMost(Duration.ofSeconds(60)).until(() -> spawned(log) >= 200);
            Sample early = Sample.of(agent.pid());
            long t0 = System.nanoTime();
            long s0 = spawned(log);
            List<Sample> samples = new ArrayList<>();
            await().atMost(Duration.ofMinutes(Soak.ON ? 30 : 4)).pollInterval(Duration.ofMillis(500)).until(() -> {
                samples.add(Sample.of(agent.pid()));
                return spawned(log) >= s0 + target;
            });
            Sample late = Sample.of(agent.pid());
            double secs = (late.nanos() - t0) / 1e9;
            long rssMax = samples.stream().mapToLong(Sample::rssKb).max().orElse(0);
            System.out.printf("crash-loop hammer: %d restarts in %.1f s (%.0f/s): fds %d -> %d, threads %d -> %d, RSS %d -> %d kB "
                            + "(peak %d), agent CPU %.0f%% of a core%n", spawned(log) - s0, secs, (spawned(log) - s0) / secs,
                    early.fds(), late.fds(), early.threads(), late.threads(), early.rssKb(), late.rssKb(), rssMax,
                    100.0 * (late.cpuTicks() - early.cpuTicks()) * 10 / (secs * 1000));
            assertTrue(agent.alive());
            assertTrue(Math.abs(late.fds() - early.fds()) <= 4, "fds " + early.fds() + " -> " + late.fds());
            assertTrue(late.threads() - early.threads() <= 3, "threads " + early.threads() + " -> " + late.threads());
            assertTrue(rssMax < 250_000, "RSS peak " + rssMax + " kB");
            assertTrue(Proc.zombieChildren(agent.pid()).size() <= 2, "zombies: " + Proc.zombieChildren(agent.pid()));
            // The steady program next to it was never disturbed.
            String id = Files.readString(dir.resolve("state/agent.id")).trim();
            assertEquals(1, Proc.tagged(id).stream().filter(t -> "steady".equals(t.program())).count());
        }
    }

    /** Spawns so far, counted from the agent's log lines. */
    private static long spawned(Path log) {
        try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains("hammer: spawned pid")).count();
        } catch (Exception e) {
            return 0;
        }
    }
}
