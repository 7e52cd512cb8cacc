package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent SIGKILLed at random moments (while starting, while stopping, during a handover,
 * during a reload) and started again, round after round. A sampler thread watches /proc the whole
 * time: never two instances of a program, the hand-stopped program never runs, an engine once idle
 * never runs again. After each round: exactly the expected processes, no orphan (every tagged
 * process descends from the current agent), no zombie child, handover.json agrees.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class AgentKillTest {
    @TempDir
    Path dir;

    enum Op { START, STOP, HANDOVER, RELOAD_ADD, RELOAD_REMOVE, RELOAD_CHANGE }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    /** Programs that must have no live process from now on (hand-stopped, confirmed idle). */
    private final Set<String> mustBeDown = ConcurrentHashMap.newKeySet();
    private volatile String agentId;
    private final AtomicLong samples = new AtomicLong();

    // The scenario: release 1.m.0; engines configured by minor version; plain programs.
    private int releaseMinor = 0;
    private final TreeSet<Integer> engines = new TreeSet<>(List.of(0, 1));
    private int changeSerial = 0;
    private Path script;
    private Path releaseFile;

    private static String engineName(int minor) {
        return "cfe-1-" + minor;
    }

    private Path config() {
        return dir.resolve("baton.toml");
    }

    private void writeConfig() throws Exception {
        StringBuilder sb = new StringBuilder(Fixtures.agent(dir.resolve("state"), "shutdown_timeout = \"20s\""));
        sb.append(program("plain", argv("sleep", "100000"), "start_secs = \"0s\"", "priority = 10",
                "environment = { SERIAL = \"" + changeSerial + "\" }"));
        sb.append(program("forker", argv(dir.resolve("forker.sh")), "start_secs = \"0s\""));
        sb.append(program("stubborn", argv(dir.resolve("stubborn.sh")), "start_secs = \"0s\"", "stop_timeout = \"1s\""));
        sb.append(program("manual", argv("sleep", "100000"), "start_secs = \"0s\""));
        for (int minor : engines) {
            sb.append(Fixtures.engine(engineName(minor), "chainflip", "1." + minor + ".0", script, releaseFile, "0.1", null,
                    "version = \"1." + minor + ".0\""));
        }
        Files.writeString(config().resolveSibling("baton.toml.tmp"), sb.toString());
        Files.move(config().resolveSibling("baton.toml.tmp"), config(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void writeRelease() throws Exception {
        Files.writeString(dir.resolve("release.tmp"), "1." + releaseMinor + ".0\n");
        Files.move(dir.resolve("release.tmp"), releaseFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void agentKilledAtRandomMomentsNeverDoublesLosesOrRevivesAProgram() throws Exception {
        int rounds = Soak.count("killRounds", 100, 400);
        long seed = Soak.seed();
        Random rnd = new Random(seed);
        System.out.println("agent-kill: " + rounds + " rounds, seed " + seed + " (-Dbaton.hardening.seed to replay)");

        script = Fixtures.engineScript(dir);
        releaseFile = dir.resolve("release");
        Fixtures.script(dir, "forker.sh", "sleep 100000 &\nexec sleep 100001");
        Fixtures.script(dir, "stubborn.sh", "trap '' TERM\nexec sleep 100002");
        writeRelease();
        writeConfig();
        // The state an operator's `baton stop manual` leaves behind.
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/programs.json"),
                "{\"version\":1,\"programs\":{\"manual\":{\"desired\":\"stopped\",\"pid\":0,\"startTime\":0}}}");
        mustBeDown.add("manual");

        Path cds = dir.resolve("agent.jsa");
        Thread sampler = new Thread(this::sample, "kill-test-sampler");
        sampler.setDaemon(true);
        Map<Op, Integer> opCounts = new EnumMap<>(Op.class);
        List<Long> settleMillis = new ArrayList<>();
        int killedDuringStart = 0;
        long t0 = System.nanoTime();

        // Round 0: a clean run that also writes the AppCDS archive (faster JVM starts afterwards).
        AgentJvm agent = AgentJvm.with(config()).cds(cds, true).start();
        agentId = awaitAgentId(agent);
        sampler.start();
        try {
            settle(agent, settleMillis);
            assertEquals(1, agent.sigterm(), "stopped in order (1: stubborn needed SIGKILL)");
            agent = AgentJvm.with(config()).cds(cds, false).start();
            settle(agent, settleMillis);

            for (int round = 1; round <= rounds; round++) {
                Op op = pick(rnd);
                opCounts.merge(op, 1, Integer::sum);
                long delayMs;
                switch (op) {
                    case HANDOVER -> {
                        releaseMinor++;
                        writeRelease();
                        delayMs = rnd.nextInt(800);
                    }
                    case RELOAD_ADD, RELOAD_REMOVE, RELOAD_CHANGE -> {
                        if (op == Op.RELOAD_ADD) {
                            engines.add(releaseMinor + 1);
                        } else if (op == Op.RELOAD_REMOVE) {
                            engines.remove(engines.first());
                        } else {
                            changeSerial++;
                        }
                        writeConfig();
                        Os.kill((int) agent.pid(), Signals.SIGHUP);
                        delayMs = rnd.nextInt(600);
                    }
                    case STOP -> {
                        agent.process.destroy(); // SIGTERM: ordered shutdown, SIGKILLed somewhere inside it
                        delayMs = rnd.nextInt(1300);
                    }
                    default -> delayMs = rnd.nextInt(300);
                }
                pause(delayMs);
                if (agent.alive()) {
                    agent.sigkill();
                }
                // Sometimes the next agent is killed too, while it starts (stale-instance cleanup, first spawns).
                while (rnd.nextInt(4) == 0) {
                    AgentJvm early = AgentJvm.with(config()).cds(cds, false).start();
                    pause(rnd.nextInt(1200));
                    early.sigkill();
                    killedDuringStart++;
                }
                agent = AgentJvm.with(config()).cds(cds, false).start();
                settle(agent, settleMillis);
                assertTrue(violations.isEmpty(), "round " + round + " (" + op + ", seed " + seed + "): " + violations);
                if (round % 20 == 0) {
                    System.out.printf("agent-kill: round %d/%d, %.0f s, release 1.%d, engines %s, %d samples%n", round,
                            rounds, (System.nanoTime() - t0) / 1e9, releaseMinor, engines, samples.get());
                }
            }
            assertEquals(1, agent.sigterm(), "stopped in order at the end (stubborn needed SIGKILL)");
            await().atMost(Duration.ofSeconds(30)).until(() -> Proc.tagged(agentId).isEmpty());
        } finally {
            agent.close();
            sampler.interrupt();
        }
        JsonNode programs = JSON.readTree(dir.resolve("state/programs.json").toFile());
        assertEquals("stopped", programs.path("programs").path("manual").path("desired").asText(),
                "the hand-stopped program is still recorded as stopped");
        assertTrue(violations.isEmpty(), violations.toString());
        long[] s = settleMillis.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("agent-kill: %d rounds in %.0f s: ops %s, %d extra agents killed while starting, "
                        + "%d /proc samples, %d handovers, 0 violations; settle p50 %d ms, max %d ms%n",
                rounds, (System.nanoTime() - t0) / 1e9, opCounts, killedDuringStart, samples.get(), releaseMinor,
                s[s.length / 2], s[s.length - 1]);
    }

    private Op pick(Random rnd) {
        List<Op> possible = new ArrayList<>(List.of(Op.START, Op.STOP, Op.RELOAD_CHANGE));
        if (engines.contains(releaseMinor + 1)) {
            possible.add(Op.HANDOVER);
            possible.add(Op.HANDOVER);
        } else {
            possible.add(Op.RELOAD_ADD);
        }
        if (engines.first() < releaseMinor && engines.size() > 2) {
            possible.add(Op.RELOAD_REMOVE);
        }
        return possible.get(rnd.nextInt(possible.size()));
    }

    private static void pause(long ms) {
        if (ms > 0) {
            await().pollDelay(Duration.ofMillis(ms)).atMost(Duration.ofMillis(ms + 1000)).until(() -> true);
        }
    }

    private String awaitAgentId(AgentJvm agent) {
        Path id = dir.resolve("state/agent.id");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!agent.alive()) {
                throw new AssertionError("the agent exited: " + agent.stderrText() + agent.stdoutText());
            }
            return Files.exists(id) && Files.readString(id).trim().length() == 16;
        });
        try {
            return Files.readString(id).trim();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What must run now: one instance of each of these, none of anything else. */
    private Set<String> expectedRunning() {
        Set<String> want = new TreeSet<>(List.of("plain", "forker", "stubborn"));
        for (int minor : engines) {
            if (minor >= releaseMinor) {
                want.add(engineName(minor));
            }
        }
        return want;
    }

    /** Waits until the agent runs exactly the expected processes, all its own, with roles recorded. */
    private void settle(AgentJvm agent, List<Long> settleMillis) {
        long start = System.nanoTime();
        Set<String> want = expectedRunning();
        String[] last = {""};
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!agent.alive()) {
                    throw new AssertionError("the agent died: " + agent.stderrText());
                }
                List<Proc.Tagged> tagged = Proc.tagged(agentId);
                Map<String, List<String>> inst = Proc.instancesByProgram(tagged);
                Map<String, Integer> counts = new HashMap<>();
                inst.forEach((p, l) -> counts.put(p, l.size()));
                boolean ok = counts.keySet().equals(want) && counts.values().stream().allMatch(c -> c == 1);
                List<Integer> orphans = tagged.stream().filter(t -> !Proc.ancestors(t.pid()).contains((int) agent.pid()))
                        .map(Proc.Tagged::pid).toList();
                List<Integer> zombies = Proc.zombieChildren(agent.pid());
                Map<String, String> roles = roles();
                boolean rolesOk = roles.get(engineName(releaseMinor)) != null && roles.get(engineName(releaseMinor)).equals("ACTIVE");
                for (int minor : engines) {
                    String r = roles.get(engineName(minor));
                    if (minor < releaseMinor && !"IDLE".equals(r) || minor > releaseMinor && !"WAITING".equals(r)) {
                        rolesOk = false;
                    }
                }
                last[0] = "running " + counts + " want " + want + ", orphans " + orphans + ", zombies " + zombies
                        + ", roles " + roles;
                return ok && orphans.isEmpty() && zombies.isEmpty() && rolesOk;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("did not settle: " + last[0] + "\n" + tail(agent.stdoutText()), e);
        }
        settleMillis.add((System.nanoTime() - start) / 1_000_000);
        for (int minor : engines) {
            if (minor < releaseMinor) {
                mustBeDown.add(engineName(minor));
            }
        }
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    private Map<String, String> roles() {
        Map<String, String> out = new HashMap<>();
        try {
            JsonNode groups = JSON.readTree(dir.resolve("state/handover.json").toFile()).path("groups");
            for (JsonNode e : groups.path("chainflip").path("engines")) {
                out.put(e.path("program").asText(), e.path("role").asText());
            }
        } catch (Exception e) {
            // not written yet, or being replaced
        }
        return out;
    }

    /** The sampler: at most one instance per program at any moment, and nothing that must be down. */
    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            String id = agentId;
            List<Proc.Tagged> tagged = Proc.tagged(id);
            samples.incrementAndGet();
            Map<String, List<String>> inst = Proc.instancesByProgram(tagged);
            inst.forEach((program, instances) -> {
                List<Integer> pids = tagged.stream().filter(t -> t.program().equals(program)).map(Proc.Tagged::pid).toList();
                // /proc is not read atomically: only count it when every one of them is still alive now.
                if (instances.size() > 1) {
                    List<Proc.Tagged> again = Proc.tagged(id).stream().filter(t -> t.program().equals(program)).toList();
                    if (Proc.instancesByProgram(again).getOrDefault(program, List.of()).size() > 1) {
                        violations.add("two instances of " + program + ": " + again);
                    }
                }
                if (mustBeDown.contains(program)) {
                    List<Proc.Tagged> again = Proc.tagged(id).stream().filter(t -> t.program().equals(program)).toList();
                    if (!again.isEmpty()) {
                        violations.add(program + " runs although it must stay down: " + again + " (first seen " + pids + ")");
                    }
                }
            });
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
