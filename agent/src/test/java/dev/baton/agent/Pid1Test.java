package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static dev.baton.agent.Scripts.quote;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.process.os.Os;
import dev.baton.process.os.ProcessTable;
import dev.baton.process.os.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent as PID 1 of a PID namespace (what a container gives it), via
 * {@code unshare --pid --fork --mount-proc}: it reaps every orphan, stops on SIGTERM and exits
 * with a meaningful code.
 */
class Pid1Test {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() {
        assumeTrue(Os.isRoot(), "unshare --pid needs root");
    }

    private AgentProcess startAsPid1(String programs, String... around) throws Exception {
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "log_mode = \"raw\"\nexit_on_fatal = true\nshutdown_timeout = \"30s\"\n[api]\nenabled = false\n\n" + programs);
        List<String> prefix = new java.util.ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child"));
        prefix.addAll(List.of(around));
        return AgentProcess.start(dir.resolve("baton.toml"),
                ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stdout").toFile()), prefix.toArray(String[]::new));
    }

    /** The agent's pid as seen from here: the child of the unshare process. */
    private static int agentHostPid(AgentProcess unshare) throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Integer::parseInt)
                    .filter(pid -> parentOf(pid) == unshare.pid()).findFirst().orElse(0);
        }
    }

    private static long parentOf(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void asPid1ItReapsOrphansAndStopsCleanlyOnSigterm() throws Exception {
        Path marker = dir.resolve("orphans-made");
        Path script = Scripts.write(dir, "orphans.sh",
                "i=0; while [ $i -lt 30 ]; do (sleep 0.02 &); i=$((i+1)); done; touch " + marker + "; exec sleep 300");
        try (AgentProcess agent = startAsPid1(program("orphans", quote(script), "start_secs = \"0s\""))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker));
            int pid1 = agentHostPid(agent);
            assertTrue(pid1 > 0);
            // Every orphan re-parented to PID 1 (the agent) and was reaped: no zombie stays.
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofMillis(500))
                    .until(() -> ProcessTable.zombieChildrenOf(pid1).isEmpty());
            assertTrue(AgentProcess.read(dir.resolve("agent.stdout")).contains("PID 1"),
                    AgentProcess.read(dir.resolve("agent.stdout")));
            Os.kill(pid1, Signals.SIGTERM);
            assertEquals(0, agent.waitExit(), "clean stop on SIGTERM exits 0");
        }
    }

    /** In a container too a program starts with SIGPIPE and SIGXFSZ ignored, as under supervisord. */
    @Test
    void asPid1ProgramsStartWithSigpipeIgnored() throws Exception {
        Path out = dir.resolve("sigign");
        Path script = Scripts.write(dir, "sigign.sh", "grep ^SigIgn: /proc/self/status > " + out + ".tmp && mv "
                + out + ".tmp " + out + "; exec sleep 300");
        try (AgentProcess agent = startAsPid1(program("sigign", quote(script), "start_secs = \"0s\""))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(out));
            assertEquals("SigIgn:\t0000000001001000\n", Files.readString(out));
            int pid1 = agentHostPid(agent);
            assertTrue(pid1 > 0);
            Os.kill(pid1, Signals.SIGTERM);
            assertEquals(0, agent.waitExit(), "clean stop on SIGTERM exits 0");
        }
    }

    /**
     * A JVM that keeps SIGTERM to itself (-Xrs), or a SIGTERM ignored since launch: as PID 1 the kernel would
     * drop docker stop's signal, which would then end in SIGKILL after the grace period. The agent refuses to
     * start instead, with exit code 2 and the reason.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-Xrs", "ignored at launch"})
    void withoutItsOwnSigtermHandlerTheAgentRefusesToStart(String how) throws Exception {
        Path started = dir.resolve("started");
        String[] around = how.equals("-Xrs") ? new String[] {"env", "JAVA_TOOL_OPTIONS=-Xrs"}
                : new String[] {"sh", "-c", "trap '' TERM; exec \"$@\"", "sh"};
        try (AgentProcess agent = startAsPid1(program("engine", "[\"touch\", \"" + started + "\"]",
                "start_secs = \"0s\""), around)) {
            assertEquals(Agent.EXIT_CONFIG, agent.waitExit());
            String out = AgentProcess.read(dir.resolve("agent.stdout"));
            assertTrue(out.contains("SIGTERM ") && out.contains("nothing was started"), out);
            assertFalse(Files.exists(started), "no program ran");
        }
    }

    @Test
    void exitOnFatalEndsTheContainerWithTheProgramsCode() throws Exception {
        Path failing = Scripts.write(dir, "failing.sh", "echo cannot start; exit 42");
        try (AgentProcess agent = startAsPid1(
                program("engine", quote(failing), "start_retries = 1", "start_secs = \"1s\"",
                        "backoff = { initial = \"10ms\", max = \"10ms\" }")
                + program("sidecar", "[\"sleep\", \"300\"]", "start_secs = \"0s\""))) {
            assertEquals(42, agent.waitExit());
            String out = AgentProcess.read(dir.resolve("agent.stdout"));
            List<String> lines = out.lines().toList();
            assertTrue(lines.contains("cannot start"), "raw mode keeps program lines as they are");
            // In raw mode every agent line is JSON too.
            lines.stream().filter(l -> l.contains("baton::")).forEach(l -> assertTrue(l.startsWith("{\"timestamp\""), l));
        }
    }
}
