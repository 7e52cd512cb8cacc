package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.ActionResult;
import dev.baton.control.Control;
import dev.baton.control.ReloadResult;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's side of exclusive programs, in a real agent whose etcd is unreachable (so the
 * cluster never takes the lock): nothing but the cluster's control starts them, the control's start
 * carries the fencing token into the environment, its stop confirms the exit and cancels a start in
 * progress, and readiness commands keep their exit status next to the agent's reaper.
 */
class ClusterProgramsTest {
    @TempDir
    Path dir;
    private InProcessAgent agent;
    private ClusterPrograms control;

    private static final String CLUSTER = """
            [cluster]
            endpoints = ["http://127.0.0.1:9"]
            host = "h1"
            lease_ttl = "4s"
            renew_interval = "500ms"
            retry_timeout = "1s"
            fence_margin = "500ms"

            """;

    private String config(String validatorCommand) throws Exception {
        String flaky = Scripts.write(dir, "flaky.sh", "exit 1").toString();
        return CLUSTER
                + program("validator", validatorCommand, "start_secs = \"0s\"", "stop_timeout = \"500ms\"",
                "restart = \"always\"", "backoff = { initial = \"100ms\", max = \"100ms\" }",
                "exclusive = { lock = \"identity\", ready = \"always\", standby_program = \"secondary\" }")
                + program("secondary", "[\"sleep\", \"300\"]", "start_secs = \"0s\"", "stop_timeout = \"500ms\"")
                + program("flaky", "[\"" + flaky + "\"]", "start_secs = \"1s\"", "stop_timeout = \"500ms\"",
                "start_retries = \"forever\"", "backoff = { initial = \"300ms\", max = \"300ms\" }",
                "exclusive = { lock = \"other\", ready = \"always\" }")
                + program("node", "[\"sleep\", \"300\"]", "start_secs = \"0s\"");
    }

    @BeforeEach
    void start() throws Exception {
        agent = new InProcessAgent(dir).config(config("[\"sleep\", \"300\"]")).start();
        agent.awaitState("node", ProcessState.RUNNING);
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.agent.clusterPrograms() != null
                && agent.agent.control().cluster().isPresent());
        control = agent.agent.clusterPrograms();
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    @Test
    void exclusiveProgramsAreNeverStartedByTheAgentItself() throws Exception {
        // The cluster (no etcd: standby) runs the standby variant, never the exclusive program.
        agent.awaitState("secondary", ProcessState.RUNNING);
        ProgramStatus validator = agent.status("validator");
        assertEquals(ProcessState.STOPPED, validator.state());
        assertEquals("started only by the cluster (lock identity)", validator.hold());

        Control api = agent.agent.control();
        ActionResult named = api.start("validator").get(30, TimeUnit.SECONDS);
        assertFalse(named.ok());
        assertTrue(named.message().contains("validator is started only by the cluster (lock identity)"), named.message());
        assertFalse(api.restart("secondary").get(30, TimeUnit.SECONDS).ok(), "nor its standby variant");
        assertEquals(ProcessState.STOPPED, agent.status("validator").state());
        ActionResult all = api.start("all").get(30, TimeUnit.SECONDS);
        assertTrue(all.ok(), all.message());
        assertEquals(List.of("node"), all.programs().stream().map(ProgramStatus::name).toList());

        // A reload that changes the program (not its exclusive settings) does not start it either.
        Files.writeString(agent.configFile, Files.readString(agent.configFile).replace("\"sleep\", \"300\"]\nstart_secs",
                "\"sleep\", \"301\"]\nstart_secs"));
        ReloadResult reload = api.reload();
        assertTrue(reload.ok(), reload.problems().toString());
        assertTrue(reload.changed().contains("validator"), reload.toString());
        Thread.sleep(500);
        assertEquals(ProcessState.STOPPED, agent.status("validator").state());

        // A reload that changes the cluster is refused as a whole.
        Files.writeString(agent.configFile, Files.readString(agent.configFile).replace("lease_ttl = \"4s\"",
                "lease_ttl = \"5s\""));
        ReloadResult refused = api.reload();
        assertFalse(refused.ok());
        assertTrue(refused.problems().get(0).contains("take effect only when the agent restarts"), refused.toString());
    }

    @Test
    void theControlStartsWithTheFencingTokenAndStopsUntilEveryProcessIsGone() throws Exception {
        agent.awaitState("secondary", ProcessState.RUNNING);
        control.stopAndConfirmExit("secondary").get(10, TimeUnit.SECONDS);
        assertFalse(control.isRunning("secondary"));
        control.start("validator", Map.of("BATON_FENCING_TOKEN", "42", "BATON_LOCK", "identity"))
                .get(10, TimeUnit.SECONDS);
        int pid = agent.awaitState("validator", ProcessState.RUNNING).pid();
        String environ = ReloadTest.environOf(pid);
        assertTrue(environ.contains("BATON_FENCING_TOKEN=42\n"), environ);
        assertTrue(environ.contains("BATON_LOCK=identity\n"), environ);
        assertTrue(control.isRunning("validator"));

        // A crash on the holder: restarted by its policy, with the same token.
        dev.baton.process.os.Os.kill(pid, dev.baton.process.os.Signals.SIGKILL);
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.status("validator").state() == ProcessState.RUNNING
                && agent.status("validator").pid() != pid);
        assertTrue(ReloadTest.environOf(agent.status("validator").pid()).contains("BATON_FENCING_TOKEN=42\n"));

        int last = agent.status("validator").pid();
        control.stopAndConfirmExit("validator").get(10, TimeUnit.SECONDS);
        assertFalse(Files.exists(Path.of("/proc/" + last)) && !ReloadTest.environOf(last).isEmpty(),
                "no process of the program left when the stop completes");
        assertEquals(ProcessState.STOPPED, agent.status("validator").state());
        Thread.sleep(500); // longer than its backoff: no restart after a confirmed stop
        assertEquals(ProcessState.STOPPED, agent.status("validator").state());
    }

    @Test
    void aStopCancelsAStartInProgressAndKeepsItFromRestarting() throws Exception {
        // flaky exits at once: each start fails, and the next try waits in BACKOFF
        control.start("flaky", Map.of("BATON_FENCING_TOKEN", "7")).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.status("flaky").restarts() >= 1
                && agent.status("flaky").state() == ProcessState.BACKOFF);
        control.stopAndConfirmExit("flaky").get(10, TimeUnit.SECONDS);
        int restartsBefore = agent.status("flaky").restarts();
        assertEquals(ProcessState.STOPPED, agent.status("flaky").state());
        Thread.sleep(1000); // more than three backoffs
        assertEquals(ProcessState.STOPPED, agent.status("flaky").state());
        assertEquals(restartsBefore, agent.status("flaky").restarts(), "no restart after the cluster's stop");

        // Start and stop posted back to back: the stop wins, nothing is left running.
        var again = control.start("validator", Map.of("BATON_FENCING_TOKEN", "8"));
        control.stopAndConfirmExit("validator").get(10, TimeUnit.SECONDS);
        again.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
        Thread.sleep(300);
        assertEquals(ProcessState.STOPPED, agent.status("validator").state());
        assertNotEquals(null, agent.status("validator").hold());
    }

    @Test
    void readinessCommandsKeepTheirExitStatusNextToTheReaper() throws Exception {
        Duration timeout = Duration.ofSeconds(5);
        for (int i = 0; i < 5; i++) {
            assertTrue(control.runCheck(List.of("true"), timeout));
            assertFalse(control.runCheck(List.of("/bin/sh", "-c", "exit 4"), timeout));
            assertFalse(control.runCheck(List.of("/bin/sh", "-c", "kill -9 $$"), timeout));
            assertTrue(control.runCheck(List.of("/bin/sh", "-c", "echo lots of output; echo more >&2; exit 0"), timeout));
        }
        assertFalse(control.runCheck(List.of("/nonexistent/check"), timeout));
        long t0 = System.nanoTime();
        assertFalse(control.runCheck(List.of("sleep", "30"), Duration.ofMillis(300)));
        // Not a time bound on the machine: the timeout, not the command's own 30 s, ended the check.
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(25).toNanos(), "bounded by its timeout");
        // Programs' exits are still the supervisor's: the node keeps being supervised.
        assertEquals(ProcessState.RUNNING, agent.status("node").state());
    }
}
