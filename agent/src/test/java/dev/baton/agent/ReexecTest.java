package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.state.StateFile;
import dev.baton.hardening.Fixtures;
import dev.baton.process.os.BootId;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import dev.baton.systemd.UnixDatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton reexec} with a real agent in its own JVM and two engines (an ACTIVE and a WAITING one,
 * shell loops printing numbered lines): the agent re-executes in place and adopts them. Same agent
 * pid, same engine pids (still its children: their parent-death signal did not fire, so the exec
 * ran on the thread that spawned them), every numbered line arrives once with no gap across the
 * exec, roles unchanged, the new start reported. Then a second re-exec is refused (the adopted
 * engines' parent task is now the launcher's thread), and a SIGKILLed agent takes the engines with
 * it: their parent-death signal is still armed.
 */
class ReexecTest {
    @TempDir
    Path dir;

    private static final Pattern TICK = Pattern.compile("^(cfe-1-[01]) \\| tick (\\d+)$", Pattern.MULTILINE);

    private Path config() {
        return dir.resolve("baton.toml");
    }

    private void writeConfig(String... programs) throws Exception {
        StringBuilder sb = new StringBuilder("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "log_mode = \"prefixed\"\nshutdown_timeout = \"20s\"\n\n[api]\nport = " + freePort() + "\n\n");
        for (String p : programs) {
            sb.append(p);
        }
        Files.writeString(config(), sb.toString());
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An engine stand-in: the Chainflip lines for its role once, then "tick N" every block. */
    private Path engineScript() throws Exception {
        return Fixtures.script(dir, "cfe.sh", """
                own="$1"; rel_file="$2"; block_time="$3"
                echo "Starting chainflip-engine v$own (CI Build: \\"reexec\\")"
                read rel < "$rel_file"
                ts='2024-05-01T10:00:00.000000Z'
                if [ "${own%.*}" = "${rel%.*}" ]; then
                  echo '{"timestamp":"'$ts'","level":"INFO","fields":{"message":"Initialised StateChainClient at block `1`; block hash: `0x00ff1`"},"target":"chainflip_engine::state_chain_observer::client"}'
                else
                  echo '{"timestamp":"'$ts'","level":"INFO","fields":{"message":"This version '"'$own'"' is incompatible with the current release '"'$rel'"' at block: 0x00ff1. WAITING for a compatible release version."},"target":"chainflip_engine::state_chain_observer::client"}'
                fi
                trap 'exit 0' TERM
                n=0
                while :; do
                  n=$((n+1))
                  echo "tick $n"
                  sleep "$block_time" & wait $!
                done""");
    }

    private int apiPort() throws Exception {
        Matcher m = Pattern.compile("(?m)^port = (\\d+)$").matcher(Files.readString(config()));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    /** The /readyz answer's body (200 or 503). */
    private String readyz() throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + apiPort() + "/readyz")
                .toURL().openConnection();
        try {
            java.io.InputStream in = c.getResponseCode() == 200 ? c.getInputStream() : c.getErrorStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    /** A scrape of /metrics (open on loopback). */
    private String metrics() throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + apiPort() + "/metrics")
                .toURL().openConnection();
        try {
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private String stdout() {
        return AgentProcess.read(dir.resolve("agent.stdout"), StandardCharsets.ISO_8859_1);
    }

    private Map<String, List<Integer>> ticks() {
        Map<String, List<Integer>> out = new java.util.TreeMap<>();
        Matcher m = TICK.matcher(stdout());
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
        }
        return out;
    }

    private int lastTick(String program) {
        List<Integer> t = ticks().getOrDefault(program, List.of());
        return t.isEmpty() ? 0 : t.get(t.size() - 1);
    }

    /** The program's pid in programs.json, 0 while there is none (or the file is being replaced). */
    private int pidOf(String program) {
        try {
            JsonNode state = StateFile.JSON.readTree(dir.resolve("state/programs.json").toFile());
            return state.path("programs").path(program).path("pid").asInt();
        } catch (Exception e) {
            return 0;
        }
    }

    private static Optional<ProcStat> alive(int pid) {
        return ProcessTable.stat(pid).filter(s -> !s.isZombie());
    }

    /** The CLI in its own JVM: exit code and output. */
    private Cli cli(String... args) throws Exception {
        List<String> cmd = AgentProcess.javaCommand(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the CLI did not end");
        return new Cli(p.exitValue(), out);
    }

    record Cli(int code, String output) {
    }

    @Test
    void reexecKeepsTheEnginesTheirPipesAndTheirRoles() throws Exception {
        Path script = engineScript();
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        // Exits once the agent said it hands over (then its reaper is paused) or the handoff exists (only while the
        // agent re-executes): its exit must reach the new version, judged there, not lost and not restarted. ([:]: the
        // agent logs this very command line, which must not match.)
        String quitter = Fixtures.program("quitter", Fixtures.argv("sh", "-c",
                "until [ -e \"$0\" ] || grep -q 'reexec[:] re-executing' \"$1\"; do sleep 0.02; done; exit 5",
                dir.resolve("state/reexec.json"), dir.resolve("agent.stdout")), "start_secs = \"0s\"", "restart = \"never\"");
        // Begins a line, and ends it only once the exec is under way: the line goes across, whole
        String halfway = Fixtures.program("halfway", Fixtures.argv("sh", "-c",
                "printf 'halfway: begun'; until [ -e \"$0\" ]; do sleep 0.02; done; printf ' and ended\\n'; exec sleep 600",
                dir.resolve("state/reexec.json")), "start_secs = \"0s\"");
        writeConfig(Fixtures.engine("cfe-1-0", "chainflip", "1.0.0", script, release, "0.05", null),
                Fixtures.engine("cfe-1-1", "chainflip", "1.1.0", script, release, "0.05", null), halfway, quitter,
                // Ended before the re-exec: the new version leaves it so, it does not start it again.
                Fixtures.program("oneshot", Fixtures.argv("true"), "start_secs = \"0s\"", "restart = \"never\""));
        AgentStateProbe probe = new AgentStateProbe(dir.resolve("state"));
        // systemd's side of Type=notify: READY=1, RELOADING=1 around the exec, READY=1 again.
        List<String> notified = new java.util.concurrent.CopyOnWriteArrayList<>();
        String notifySocket = dir.resolve("notify.sock").toString();
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(notifySocket);
             AgentProcess agent = startAgent(Map.of("NOTIFY_SOCKET", notifySocket))) {
            Thread listener = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        byte[] b = systemd.receive(4096, 200);
                        if (b != null) {
                            notified.add(new String(b, StandardCharsets.UTF_8));
                        }
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "notify-listener");
            listener.setDaemon(true);
            listener.start();
            await().atMost(Duration.ofSeconds(90)).failFast(() -> !agent.alive()).until(() -> probe.role("chainflip", "cfe-1-0").equals("ACTIVE")
                    && probe.role("chainflip", "cfe-1-1").equals("WAITING") && lastTick("cfe-1-0") > 5
                    && lastTick("cfe-1-1") > 5 && stdout().contains("oneshot: RUNNING -> EXITED"));
            int active = pidOf("cfe-1-0");
            int waiting = pidOf("cfe-1-1");
            assertEquals(agent.pid(), alive(active).orElseThrow().ppid());
            assertEquals(agent.pid(), alive(waiting).orElseThrow().ppid());
            int before0 = lastTick("cfe-1-0");
            int before1 = lastTick("cfe-1-1");

            // A program edited in the config but not reloaded: the new version would take the edit as applied.
            String applied = Files.readString(config());
            Files.writeString(config(), applied.replace("[programs.\"cfe-1-1\"]\n", "[programs.\"cfe-1-1\"]\npriority = 7\n"));
            Cli edited = cli("reexec", "--config", config().toString());
            assertNotEquals(0, edited.code());
            assertTrue(edited.output().contains("differ from the running ones"), edited.output());
            Files.writeString(config(), applied);

            Cli reexec = cli("reexec", "--config", config().toString());

            assertEquals(0, reexec.code(), reexec.output() + "\n" + stdout());
            assertTrue(reexec.output().contains("adopted: cfe-1-0, cfe-1-1, halfway, quitter"), reexec.output());
            assertTrue(agent.alive(), "the agent process (same pid) goes on");
            assertTrue(stdout().contains("re-executed in place from baton"), stdout());
            assertEquals(active, pidOf("cfe-1-0"), "the active engine was not restarted");
            assertEquals(waiting, pidOf("cfe-1-1"), "the waiting engine was not restarted");
            assertEquals(agent.pid(), alive(active).orElseThrow(() -> new AssertionError("the active engine died at the exec"))
                    .ppid(), "still the agent's child");
            assertEquals(agent.pid(), alive(waiting).orElseThrow(() -> new AssertionError("the waiting engine died at the exec"))
                    .ppid(), "still the agent's child");
            // Lines go on arriving through the adopted pipes, each number once, none lost across the exec.
            await().atMost(Duration.ofSeconds(60)).until(() -> lastTick("cfe-1-0") > before0 + 40
                    && lastTick("cfe-1-1") > before1 + 40);
            ticks().forEach((program, numbers) -> {
                for (int i = 0; i < numbers.size(); i++) {
                    assertEquals(i + 1, numbers.get(i), program + ": line " + (i + 1) + " lost or repeated: " + numbers);
                }
            });
            assertEquals("ACTIVE", probe.role("chainflip", "cfe-1-0"));
            assertEquals("WAITING", probe.role("chainflip", "cfe-1-1"));
            Cli status = cli("status", "--json", "--config", config().toString());
            assertTrue(status.output().contains("\"adopted\":[\"cfe-1-0\",\"cfe-1-1\",\"halfway\",\"quitter\"]"), status.output());
            // What the agent shows (status, /readyz, metrics), not only its state file: the roles are kept across the exec
            JsonNode engines = StateFile.JSON.readTree(status.output()).path("groups").path(0).path("engines");
            assertEquals("ACTIVE", engines.path(0).path("role").asText(), status.output());
            assertEquals("WAITING", engines.path(1).path("role").asText(), status.output());
            assertTrue(readyz().contains("engine group") == false, "no group without its ACTIVE engine: " + readyz());
            // The build inventory (BatonBuildDrift, baton fleet's BUILD) covers the adopted processes too
            await().atMost(Duration.ofSeconds(30)).until(() -> metrics().contains("baton_program_binary_info{program=\"cfe-1-0\"")
                    && metrics().contains("baton_program_binary_info{program=\"cfe-1-1\""));
            // The line the old version had begun reading, the new one ended: one line, not two
            await().atMost(Duration.ofSeconds(30)).until(() -> stdout().contains("halfway | halfway: begun and ended\n"));
            assertEquals(1, occurrences(stdout(), "halfway | halfway: begun"), stdout());
            // The exit in the exec window was left unreaped for the new version, which judged it: EXITED 5, not restarted.
            JsonNode quit = StreamSupport.stream(StateFile.JSON.readTree(status.output()).path("programs").spliterator(), false)
                    .filter(p -> p.path("name").asText().equals("quitter")).findFirst().orElseThrow();
            assertEquals("EXITED", quit.path("state").asText(), quit.toString());
            assertEquals(0, quit.path("restarts").asInt(), quit.toString());
            assertTrue(quit.path("last_exit").toString().contains("5"), quit.toString());
            assertEquals(1, occurrences(stdout(), "quitter: spawned pid"), "started once, never again");
            assertEquals(1, occurrences(stdout(), "oneshot: spawned pid"), "an ended program is not started by a re-exec");
            assertTrue(stdout().contains("oneshot: not started: EXITED (exit 0) before the re-exec"), stdout());
            assertFalse(Files.exists(dir.resolve("state/reexec.json")), "the handoff is read once and removed");
            await().atMost(Duration.ofSeconds(30)).until(() -> readyReloadingReady(notified));
            listener.interrupt();

            // A second re-exec would end the launcher thread that is now the engines' parent: refused.
            Cli again = cli("reexec", "--config", config().toString());
            assertNotEquals(0, again.code());
            assertTrue(again.output().contains("was adopted at the last re-exec"), again.output());
            assertEquals(active, pidOf("cfe-1-0"));
            assertTrue(alive(active).isPresent() && alive(waiting).isPresent());

            // Their parent-death signal is still armed: it is what would have killed them at a wrong-thread exec.
            agent.sigkill();
            await().atMost(Duration.ofSeconds(30)).until(() -> alive(active).isEmpty() && alive(waiting).isEmpty());
        }
    }

    @Test
    void aPlantedOrStaleHandoffIsNeverAdopted() throws Exception {
        writeConfig(Fixtures.program("plain", Fixtures.argv("sleep", "100000"), "start_secs = \"0s\""));
        Process stranger = new ProcessBuilder("sleep", "100001").start();
        try {
            int pid = (int) stranger.pid();
            long startTime = ProcessTable.startTime(pid).orElseThrow();
            Files.createDirectories(dir.resolve("state"));
            Files.setPosixFilePermissions(dir.resolve("state"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
            // Names the stranger as "plain"; written by "pid 1", with a nonce the agent is not given.
            Files.writeString(dir.resolve("state/reexec.json"), "{\"version\":1,\"agentPid\":1,\"bootId\":\""
                    + BootId.current() + "\",\"nonce\":\"n\",\"fromVersion\":\"old\",\"instances\":[{"
                    + "\"program\":\"plain\",\"pid\":" + pid + ",\"startTime\":" + startTime + ",\"tag\":\"x.plain.1\","
                    + "\"startedNanos\":0,\"startedAt\":\"2026-01-01T00:00:00Z\",\"stdoutFd\":-1,\"stderrFd\":-1}]}");
            try (AgentProcess agent = AgentProcess.start(config())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> pidOf("plain") > 0);
                assertNotEquals(pid, pidOf("plain"), "the agent started its own instance");
                assertEquals(agent.pid(), alive(pidOf("plain")).orElseThrow().ppid());
                assertEquals(1, probe().copies("plain"), "one instance");
                assertTrue(stdout().contains("is not adopted (this agent was not started by a re-exec"), stdout());
                assertFalse(Files.exists(dir.resolve("state/reexec.json")));
                assertTrue(stranger.isAlive(), "a process the agent did not start is not touched");
            }

            // Same file, the agent given its nonce, but the file names another agent pid: still not adopted.
            Files.writeString(dir.resolve("state/reexec.json"), "{\"version\":1,\"agentPid\":1,\"bootId\":\""
                    + BootId.current() + "\",\"nonce\":\"n\",\"fromVersion\":\"old\",\"instances\":[]}");
            try (AgentProcess agent = startAgent(Map.of(ReexecHandoff.NONCE_ENV, "n"))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> stdout().contains("written by pid 1, this agent is pid "
                        + agent.pid()));
                await().atMost(Duration.ofSeconds(60)).until(() -> alive(pidOf("plain")).map(s -> s.ppid() == agent.pid())
                        .orElse(false));
                assertEquals(1, probe().copies("plain"), "one instance: the previous run's was ended as stale");
                assertFalse(ProcessTable.hasEnvironment(pidOf("plain"), ReexecHandoff.NONCE_ENV, "n"),
                        "the nonce is never passed on to a program");
            }
        } finally {
            stranger.destroyForcibly();
        }
    }

    /**
     * The new version's JVM cannot take SIGTERM (-Xrs came in through the environment or an options file the old
     * one was started with, or TERM was ignored since the old one's launch): at a first start the agent refuses to
     * run, but after a re-exec the programs already run as its children. Refusing then ended the agent with exit 2
     * and left them without their supervisor (under systemd: killed with the unit). The agent goes on and says why.
     */
    @Test
    void aReexecIntoAJvmThatKeepsSigtermGoesOnWithItsPrograms() throws Exception {
        writeConfig(Fixtures.program("plain", Fixtures.argv("sleep", "100000"), "start_secs = \"0s\""));
        Path options = dir.resolve("jvm.options");
        Files.writeString(options, "\n");
        try (AgentProcess agent = startAgent(Map.of("JDK_JAVA_OPTIONS", "@" + options))) {
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive()).until(() -> pidOf("plain") > 0
                    && stdout().contains("plain: STARTING -> RUNNING"));
            int plain = pidOf("plain");
            Files.writeString(options, "-Xrs\n"); // what the next JVM reads, as an upgraded /etc/default/baton would be

            Cli reexec = cli("reexec", "--config", config().toString());

            assertEquals(0, reexec.code(), reexec.output() + "\n" + stdout());
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive())
                    .until(() -> stdout().contains("re-executed in place from baton"));
            assertTrue(stdout().contains("SIGTERM is kept by the JVM"), stdout());
            assertTrue(agent.alive(), "the agent goes on with its adopted programs: " + stdout());
            assertEquals(plain, pidOf("plain"));
            assertEquals(agent.pid(), alive(plain).orElseThrow(() -> new AssertionError("the program died")).ppid());
            agent.sigkill();
        }
    }

    /**
     * What the operator sees is the same after a re-exec as before it: a FATAL program stays FATAL (its
     * /readyz reason, its FATAL series and so its alert), and every program keeps its last exit, the time
     * of it and the time it entered its state. The new version showed the FATAL one STOPPED with no last
     * exit: /readyz went 200 and BatonProgramFatal resolved by itself on a package upgrade.
     */
    @Test
    void aReexecShowsEachProgramAsItWas() throws Exception {
        writeConfig(Fixtures.program("crashy", Fixtures.argv("sh", "-c", "exit 3"), "start_secs = \"1s\"",
                        "start_retries = 0"),
                Fixtures.program("victim", Fixtures.argv("sleep", "100002"), "start_secs = \"0s\"",
                        "backoff = { initial = \"100ms\", max = \"100ms\" }"));
        try (AgentProcess agent = startAgent(Map.of())) {
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive())
                    .until(() -> pidOf("victim") > 0 && stdout().contains("crashy: STARTING -> FATAL"));
            int first = pidOf("victim");
            Os.kill(first, dev.baton.process.os.Signals.SIGKILL);
            await().atMost(Duration.ofSeconds(60)).until(() -> pidOf("victim") > 0 && pidOf("victim") != first
                    && occurrences(stdout(), "victim: STARTING -> RUNNING") == 2);
            Map<String, JsonNode> before = programs(cli("status", "--json", "--config", config().toString()).output());
            assertTrue(readyz().contains("crashy is FATAL"), readyz());

            Cli reexec = cli("reexec", "--config", config().toString());

            assertEquals(0, reexec.code(), reexec.output() + "\n" + stdout());
            Map<String, JsonNode> after = programs(cli("status", "--json", "--config", config().toString()).output());
            for (String name : List.of("crashy", "victim")) {
                for (String key : List.of("state", "since", "last_exit", "last_exit_at", "last_error", "started_at")) {
                    assertEquals(before.get(name).path(key), after.get(name).path(key), name + "." + key + ": " + after.get(name));
                }
            }
            assertEquals("FATAL", after.get("crashy").path("state").asText());
            assertTrue(readyz().contains("crashy is FATAL"), readyz());
            String metrics = metrics();
            assertTrue(metrics.contains("baton_program_state{program=\"crashy\",state=\"FATAL\"} 1"), metrics);
            assertTrue(metrics.contains("baton_program_last_exit_code{program=\"victim\"} 137"), metrics);
            assertEquals(1, occurrences(stdout(), "crashy: spawned pid"), "an ended program is not started by a re-exec");
            agent.sigkill();
        }
    }

    private static Map<String, JsonNode> programs(String statusJson) throws java.io.IOException {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        StateFile.JSON.readTree(statusJson).path("programs").forEach(p -> out.put(p.path("name").asText(), p));
        return out;
    }

    /**
     * The config on disk moves the state directory: a re-executed agent would find no handoff, no intent
     * and another agent id there, adopt nothing, end nothing and start a second copy of every program
     * (the hand-stopped one too). Refused with the reason; the programs keep running, once each.
     */
    @Test
    void aReexecIntoAnotherStateDirectoryIsRefused() throws Exception {
        writeConfig(Fixtures.program("plain", Fixtures.argv("sleep", "100000"), "start_secs = \"0s\""),
                Fixtures.program("manual", Fixtures.argv("sleep", "100001"), "start_secs = \"0s\""));
        try (AgentProcess agent = startAgent(Map.of())) {
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive())
                    .until(() -> pidOf("plain") > 0 && pidOf("manual") > 0);
            assertEquals(0, cli("stop", "manual", "--config", config().toString()).code());
            int plain = pidOf("plain");
            Files.writeString(config(), Files.readString(config()).replace(dir.resolve("state").toString(),
                    dir.resolve("state2").toString()));

            Cli reexec = cli("reexec", "--socket", dir.resolve("state/api.sock").toString(), "--config", config().toString());

            assertNotEquals(0, reexec.code(), reexec.output() + "\n" + stdout());
            assertTrue(reexec.output().contains("moves the state directory"), reexec.output());
            assertTrue(agent.alive());
            assertEquals(plain, pidOf("plain"));
            assertEquals(1, probe().copies("plain"));
            assertEquals(0, probe().copies("manual"), "the hand-stopped program stays stopped");
            assertFalse(Files.exists(dir.resolve("state2/programs.json")), "no agent ran in the other directory");
        }
    }

    /**
     * Started by a re-exec (the nonce in its environment) with a child the handoff does not name (here: no
     * handoff at all, and the child carries no tag of this agent): nobody else would ever supervise or end
     * it, so it is ended as stale before anything starts.
     */
    @Test
    void aChildThatCameThroughAReexecWithoutAHandoffIsEnded() throws Exception {
        writeConfig(Fixtures.program("plain", Fixtures.argv("sleep", "100000"), "start_secs = \"0s\""));
        Path childPid = dir.resolve("child.pid");
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "sleep 100002 & echo $! > \"$0\"; exec \"$@\"",
                childPid.toString()));
        cmd.addAll(AgentProcess.javaCommand("run", "--config", config().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stdout").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stderr").toFile()));
        pb.environment().put(ReexecHandoff.NONCE_ENV, "n");
        try (AgentProcess agent = new AgentProcess(pb.start())) {
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive()).until(() -> pidOf("plain") > 0);
            int child = Integer.parseInt(Files.readString(childPid).trim());
            assertTrue(stdout().contains("reexec.json is missing"), stdout());
            await().atMost(Duration.ofSeconds(30)).until(() -> alive(child).isEmpty());
            assertEquals(1, probe().copies("plain"));
        }
    }

    /**
     * SIGHUP ({@code systemctl reload}) all through the re-exec: the new JVM took it before the agent installed its
     * handler, died of it, and every adopted program with it (their parent-death signal). It is ignored across the
     * exec now, and taken back by the new agent: the programs live on, and a later SIGHUP reloads.
     */
    @Test
    void aSighupDuringTheReexecEndsNeitherTheAgentNorItsPrograms() throws Exception {
        writeConfig(Fixtures.program("plain", Fixtures.argv("sleep", "100000"), "start_secs = \"0s\""));
        try (AgentProcess agent = startAgent(Map.of())) {
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !agent.alive()).until(() -> pidOf("plain") > 0
                    && stdout().contains("api: listening on http"));
            int plain = pidOf("plain");
            java.util.concurrent.atomic.AtomicBoolean hangups = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sender = new Thread(() -> {
                while (hangups.get()) {
                    if (stdout().contains("reexec: re-executing")) {
                        dev.baton.process.os.Os.kill((int) agent.pid(), dev.baton.process.os.Signals.SIGHUP);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
            }, "hangups");
            sender.setDaemon(true);
            sender.start();
            Cli reexec;
            try {
                reexec = cli("reexec", "--config", config().toString());
            } finally {
                hangups.set(false);
                sender.join();
            }

            assertEquals(0, reexec.code(), reexec.output() + "\n" + stdout());
            assertTrue(agent.alive(), stdout());
            assertEquals(plain, pidOf("plain"));
            assertTrue(alive(plain).isPresent(), "the program lives on");
            assertFalse(ProcessTable.hasEnvironment(plain, "BATON_REEXEC_HANGUP", "1"));
            int reloads = occurrences(stdout(), "SIGHUP received");
            dev.baton.process.os.Os.kill((int) agent.pid(), dev.baton.process.os.Signals.SIGHUP);
            await().atMost(Duration.ofSeconds(30)).until(() -> occurrences(stdout(), "SIGHUP received") > reloads);
            assertTrue(agent.alive());
            agent.sigkill();
        }
    }

    /** READY=1, later RELOADING=1 with MONOTONIC_USEC, later READY=1 again (STATUS= lines in between). */
    private static boolean readyReloadingReady(List<String> notified) {
        int ready = indexFrom(notified, 0, m -> m.startsWith("READY=1"));
        int reloading = indexFrom(notified, ready + 1, m -> m.startsWith("RELOADING=1\nMONOTONIC_USEC="));
        return ready >= 0 && reloading > ready && indexFrom(notified, reloading + 1, m -> m.startsWith("READY=1")) > reloading;
    }

    private static int indexFrom(List<String> list, int from, java.util.function.Predicate<String> p) {
        for (int i = Math.max(from, 0); i < list.size(); i++) {
            if (p.test(list.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The agent in its own JVM with extra environment; stdout and stderr beside the config. */
    private AgentProcess startAgent(Map<String, String> env) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(AgentProcess.javaCommand("run", "--config", config().toString()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stdout").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stderr").toFile()));
        pb.environment().putAll(env);
        return new AgentProcess(pb.start());
    }

    private static int occurrences(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    private AgentStateProbe probe() {
        return new AgentStateProbe(dir.resolve("state"));
    }
}
