package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock set back and forward under a running agent (libfaketime, the Debian package
 * {@code faketime}, with the monotonic clock left alone as it is on a real host): restart
 * backoff, start_secs and stop escalation keep their real durations. Plus a source check that
 * no timer in the agent is built on the wall clock.
 */
class TimeJumpTest {
    private static final Path LIB = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");

    @TempDir
    Path dir;

    private List<Double> spawnTimes(Path log) throws IOException {
        List<Double> out = new ArrayList<>();
        if (Files.exists(log)) {
            for (String l : Files.readAllLines(log)) {
                if (!l.isBlank()) {
                    out.add(Double.parseDouble(l.trim()));
                }
            }
        }
        return out;
    }

    private String agentId() {
        try {
            String id = Files.readString(dir.resolve("state/agent.id")).trim();
            return id.length() == 16 ? id : null;
        } catch (IOException e) {
            return null;
        }
    }

    private long count(String program) {
        String id = agentId();
        return id == null ? 0 : Proc.tagged(id).stream().filter(t -> program.equals(t.program())).count();
    }

    @Test
    void wallClockJumpsMoveNoTimer() throws Exception {
        assumeTrue(Files.exists(LIB), "libfaketime is not installed (apt-get install faketime)");
        Path offset = dir.resolve("faketime");
        Files.writeString(offset, "+0\n");
        Path spawns = dir.resolve("spawns");
        // /proc/uptime is the kernel's own count, never faked: the test's stopwatch.
        Path crash = Fixtures.script(dir, "crash.sh", "read up _ < /proc/uptime; echo \"$up\" >> " + spawns + "\nsleep 0.1\nexit 1");
        Path stubborn = Fixtures.script(dir, "stubborn.sh", "trap '' TERM\nexec sleep 100000");
        String crashy = program("crashy", argv(crash), "restart = \"always\"", "start_secs = \"0s\"", "start_retries = \"forever\"",
                "backoff = { initial = \"1s\", max = \"1s\", jitter = 0.0 }");
        String slow = program("slowstart", argv("sleep", "100001"), "start_secs = \"3s\"");
        String hold = program("stubborn", argv(stubborn), "start_secs = \"0s\"", "stop_timeout = \"2s\"");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state")) + crashy + slow + hold);
        try (AgentJvm agent = AgentJvm.with(cfg).env("LD_PRELOAD", LIB.toString()).env("FAKETIME_TIMESTAMP_FILE", offset.toString())
                .env("FAKETIME_NO_CACHE", "1").env("DONT_FAKE_MONOTONIC", "1").start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> spawnTimes(spawns).size() >= 3 && count("stubborn") == 1);
            // Back 400 days, then forward 800 days, then back to now, one second apart, while backoff timers run.
            for (String jump : new String[] {"-400d", "+400d", "+0"}) {
                Files.writeString(offset, jump + "\n");
                int n = spawnTimes(spawns).size();
                await().atMost(Duration.ofSeconds(20)).until(() -> spawnTimes(spawns).size() >= n + 2);
                if (jump.equals("-400d")) {
                    // Proof that the agent saw the jump: its own log lines are stamped 400 days back.
                    String year = String.valueOf(java.time.LocalDate.now().minusDays(400).getYear());
                    await().atMost(Duration.ofSeconds(10)).until(() -> agent.stdoutText().contains(year + "-"));
                }
            }
            List<Double> t = spawnTimes(spawns);
            List<Double> gaps = new ArrayList<>();
            for (int i = 3; i < t.size(); i++) {
                gaps.add(t.get(i) - t.get(i - 1));
            }
            // Each gap is the process's 0.1 s plus the 1 s backoff, whatever the wall clock did: never shorter (a
            // jump forward firing the timer early), and not 400 days longer (a jump back; 15 s is a liveness bound
            // that a loaded machine cannot reach, where 2.5 s once failed CI at 2.65 s).
            assertTrue(gaps.stream().allMatch(g -> g >= 1.0 && g < 15), "restart gaps across wall-clock jumps: " + gaps);

            // start_secs across a jump forward: RUNNING after 3 s of real time, not at once.
            Files.writeString(cfg, Fixtures.agent(dir.resolve("state")) + crashy
                    + program("slowstart", argv("sleep", "100002"), "start_secs = \"3s\"") + hold);
            long runningBefore = occurrences(agent.stdoutText(), "slowstart: STARTING -> RUNNING");
            long t0 = System.nanoTime();
            Os.kill((int) agent.pid(), Signals.SIGHUP);
            await().atMost(Duration.ofSeconds(20)).until(() -> Proc.tagged(agentId()).stream()
                    .anyMatch(p -> "slowstart".equals(p.program()) && Proc.environ(p.pid()).isEmpty() == false
                            && cmdlineHas(p.pid(), "100002")));
            Files.writeString(offset, "+30d\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(agent.stdoutText(), "slowstart: STARTING -> RUNNING")
                    > runningBefore);
            double startSecs = (System.nanoTime() - t0) / 1e9;
            assertTrue(startSecs >= 2.8 && startSecs < 60, "start_secs 3 s took " + startSecs + " s across a jump of +30 days");

            // Stop escalation across a jump back: SIGKILL after 2 s of real time, not 30 days later.
            Files.writeString(cfg, Fixtures.agent(dir.resolve("state")) + crashy + slow);
            long t1 = System.nanoTime();
            Os.kill((int) agent.pid(), Signals.SIGHUP);
            Files.writeString(offset, "-30d\n");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> count("stubborn") == 0);
            double stopSecs = (System.nanoTime() - t1) / 1e9;
            assertTrue(stopSecs >= 1.9 && stopSecs < 60, "stop_timeout 2 s took " + stopSecs + " s across a jump of -30 days");
            System.out.printf("time-jump: restart gaps %s s across -400d/+400d/back; start_secs 3 s took %.2f s across +30d; "
                    + "stop_timeout 2 s took %.2f s across -30d%n", gaps, startSecs, stopSecs);
            Files.writeString(offset, "+0\n");
        }
    }

    private static long occurrences(String text, String what) {
        long n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static boolean cmdlineHas(int pid, String word) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).contains(word);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Every timer of the agent runs on the monotonic clock: the event loop's
     * ScheduledThreadPoolExecutor (System.nanoTime), elapsed times as nanoTime differences.
     * The wall clock (Instant.now, currentTimeMillis) may only stamp what is shown or stored.
     */
    @Test
    void noTimerIsBuiltOnTheWallClock() throws IOException {
        Path src = Path.of("src/main/java/dev/baton");
        assumeTrue(Files.isDirectory(src), "sources not found from " + Path.of("").toAbsolutePath());
        List<String> suspicious = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String l = lines.get(i);
                    if (l.contains("java.util.Timer") || l.contains("new Timer(") || l.contains("Object.wait(")
                            || (l.contains("currentTimeMillis") || l.contains("Instant.now()")) && (l.contains(" - ")
                            || l.contains("Duration.between") || l.contains("isBefore") || l.contains("isAfter")
                            || l.contains("deadline") || l.contains("until"))) {
                        suspicious.add(src.relativize(f) + ":" + (i + 1) + ": " + l.strip());
                    }
                }
            }
        }
        // The one use of the wall clock for a span: how long ago an engine's role changed, for display.
        assertTrue(suspicious.isEmpty(), "wall-clock arithmetic (timers must use System.nanoTime): " + suspicious);
    }
}
