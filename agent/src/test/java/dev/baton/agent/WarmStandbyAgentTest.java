package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.HookResult;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of warm standby, in a real agent whose etcd is unreachable (the cluster never takes
 * the lock): a program in identity mode is started by the agent itself like any other program, and
 * its hooks run through the agent's spawner and reaper (their exit status survives the waitpid(-1)
 * reaper) with the program's environment, their output in the agent's log, killed at their timeout.
 */
class WarmStandbyAgentTest {
    @TempDir
    Path dir;
    private InProcessAgent agent;
    private ClusterPrograms control;

    @BeforeEach
    void start() throws Exception {
        String hook = Scripts.write(dir, "hook.sh", "echo \"hook says $TEST_VAR $BATON_HOOK $BATON_PROGRAM"
                + " agent=${BATON_AGENT:-none}\"; echo \"to stderr\" >&2; exit 3").toString();
        agent = new InProcessAgent(dir).config("""
                [cluster]
                endpoints = ["http://127.0.0.1:9"]
                host = "h1"
                lease_ttl = "6s"
                renew_interval = "500ms"
                retry_timeout = "1s"
                fence_margin = "500ms"

                """ + program("validator", "[\"sleep\", \"300\"]", "start_secs = \"0s\"", "stop_timeout = \"500ms\"",
                "environment = { TEST_VAR = \"from-the-program\" }",
                "exclusive = { lock = \"identity\", ready = \"always\", identity = { acquire = [\"" + hook
                        + "\"], release = [\"" + hook + "\"], timeout = \"2s\" } }")).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.agent.clusterPrograms() != null
                && agent.agent.control().cluster().isPresent());
        control = agent.agent.clusterPrograms();
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    @Test
    void theProgramRunsWithoutTheLockAndItsHooksRunThroughTheAgent() throws Exception {
        // Autostarted like any program: holding the lock only moves the identity.
        assertNull(agent.awaitState("validator", ProcessState.RUNNING).hold());
        assertFalse(agent.agent.control().cluster().get().status().locks().get(0).amHolder());

        HookResult r = control.runHook("validator", List.of(dir.resolve("hook.sh").toString()),
                Map.of("BATON_HOOK", "acquire", "BATON_LOCK", "identity"), Duration.ofSeconds(10));
        assertEquals(new HookResult(false, "exit 3"), r);
        await().atMost(Duration.ofSeconds(5)).until(() -> RecentAgentLines.last(RecentAgentLines.KEPT).stream()
                .anyMatch(l -> l.text().contains("hook says from-the-program acquire validator agent=none | to stderr")));
    }

    @Test
    void aHookPastItsTimeoutIsKilledWithItsChildren() throws Exception {
        Path pids = dir.resolve("pids");
        Path slow = Scripts.write(dir, "slow.sh", "sleep 300 & echo $! > " + pids + "; wait");
        HookResult r = control.runHook("validator", List.of(slow.toString()), Map.of(), Duration.ofMillis(500));
        assertFalse(r.succeeded());
        assertTrue(r.outcome().startsWith("timed out after PT0.5S"), r.outcome());
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pids) && !Files.readString(pids).isBlank());
        String child = Files.readString(pids).trim();
        await().atMost(Duration.ofSeconds(10)).until(() -> gone(child));
    }

    private static boolean gone(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
