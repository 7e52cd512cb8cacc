package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static dev.baton.agent.Scripts.quote;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.ChildEnvironment;
import dev.baton.process.os.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent SIGKILLed: its programs die with it (PR_SET_PDEATHSIG), and a restarted agent ends
 * what survived (a grandchild) before it starts anything: never two copies; a program an
 * operator stopped stays stopped.
 */
class AgentCrashTest {
    @TempDir
    Path dir;

    private Path stateDir() {
        return dir.resolve("state");
    }

    private void writeConfig(String programs) throws Exception {
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + stateDir() + "\"\n"
                + "shutdown_timeout = \"30s\"\n[api]\nenabled = false\n\n" + programs);
    }

    /** Live processes that carry the agent's tag for {@code program}. */
    private List<Integer> copiesOf(String program) throws Exception {
        String agentId = Files.readString(stateDir().resolve("agent.id")).trim();
        return ProcessTable.findByEnvironment(ChildEnvironment.AGENT, agentId).stream()
                .filter(pid -> environ(pid).contains("BATON_PROGRAM=" + program + "\n"))
                .toList();
    }

    private static String environ(int pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ"))).replace('\0', '\n');
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void programsDieWithTheAgentAndARestartEndsStaleLeftoversFirst() throws Exception {
        // The main process dies with the agent (pdeathsig); its background grandchild does not,
        // and must be found and ended by the next agent.
        Path script = Scripts.write(dir, "engine.sh", "sleep 300 &\nexec sleep 301");
        writeConfig(program("engine", quote(script), "start_secs = \"0s\""));

        AgentProcess first = AgentProcess.start(dir.resolve("baton.toml"));
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stateDir().resolve("agent.id"))
                && copiesOf("engine").size() == 2);
        List<Integer> before = copiesOf("engine");
        first.sigkill();
        // The main process (exec'd sleep 301) gets SIGKILL from the kernel with its parent gone.
        await().atMost(Duration.ofSeconds(20)).until(() -> copiesOf("engine").size() == 1);

        try (AgentProcess second = AgentProcess.start(dir.resolve("baton.toml"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                List<Integer> now = copiesOf("engine");
                return now.size() == 2 && now.stream().noneMatch(before::contains);
            });
            // Stays at exactly one instance (main + its grandchild), none from the first run.
            for (int i = 0; i < 5; i++) {
                List<Integer> now = copiesOf("engine");
                assertEquals(2, now.size(), "copies: " + now);
                assertTrue(now.stream().noneMatch(before::contains), "stale process survived: " + now);
            }
            assertEquals(0, second.sigterm());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> copiesOf("engine").isEmpty());
    }

    @Test
    void aProgramStoppedByAnOperatorStaysStoppedAcrossAgentRestarts() throws Exception {
        writeConfig(program("sidecar", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("engine", "[\"sleep\", \"301\"]", "start_secs = \"0s\""));
        Files.createDirectories(stateDir());
        // The state an operator's `baton stop sidecar` leaves behind.
        Files.writeString(stateDir().resolve("programs.json"),
                "{\"version\":1,\"programs\":{\"sidecar\":{\"desired\":\"stopped\",\"pid\":0,\"startTime\":0}}}");
        try (AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stateDir().resolve("agent.id"))
                    && copiesOf("engine").size() == 1);
            assertEquals(0, copiesOf("sidecar").size());
            agent.sigkill();
        }
        try (AgentProcess again = AgentProcess.start(dir.resolve("baton.toml"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> copiesOf("engine").size() == 1);
            assertEquals(0, copiesOf("sidecar").size(), "the hand-stopped program stays stopped");
            assertEquals(0, again.sigterm());
        }
    }

    /**
     * After a reboot (power loss, panic), programs.json still names the instances of the boot
     * before: a pid with the same start time may be a stranger's process now. The agent must never
     * signal it, nor its process group.
     */
    @Test
    void pidsRecordedBeforeARebootAreNeverSignalled() throws Exception {
        writeConfig(program("engine", "[\"sleep\", \"301\"]", "start_secs = \"0s\""));
        Process stranger = new ProcessBuilder("sleep", "302").start();
        try {
            long startTime = ProcessTable.stat((int) stranger.pid()).orElseThrow().startTime();
            Files.createDirectories(stateDir());
            Files.writeString(stateDir().resolve("programs.json"), "{\"version\":1,\"programs\":{\"engine\":{\"pid\":"
                    + stranger.pid() + ",\"startTime\":" + startTime + ",\"tag\":\"0123456789abcdef.engine.1\"}},"
                    + "\"bootId\":\"00000000-0000-4000-8000-000000000000\"}");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"))) {
                // Stale instances are ended before anything starts: once the engine runs, that is over.
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stateDir().resolve("agent.id"))
                        && copiesOf("engine").size() == 1);
                assertTrue(stranger.isAlive(), "the agent signalled a process of another boot's pid");
                assertEquals(0, agent.sigterm());
            }
            assertTrue(stranger.isAlive());
        } finally {
            stranger.destroyForcibly().waitFor();
        }
    }
}
