package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static dev.baton.agent.Scripts.quote;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restart policies, expected exit codes, start retries, FATAL and retry-forever, with real processes. */
class RestartPolicyTest {
    @TempDir
    Path dir;

    private static final String FAST = "backoff = { initial = \"10ms\", max = \"50ms\", multiplier = 2.0, jitter = 0.0 }";

    @Test
    void policiesDecideWhatHappensAfterAnExitFromRunning() throws Exception {
        Path exit3 = Scripts.write(dir, "exit3.sh", "sleep 0.3; exit 3");
        Path exit0 = Scripts.write(dir, "exit0.sh", "sleep 0.3; exit 0");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("never", quote(exit3), "restart = \"never\"", "start_secs = \"100ms\"", FAST)
                + program("expected", quote(exit3), "restart = \"on-failure\"", "exit_codes = [3]", "start_secs = \"100ms\"", FAST)
                + program("unexpected", quote(exit3), "restart = \"on-failure\"", "start_secs = \"100ms\"", FAST)
                + program("always", quote(exit0), "restart = \"always\"", "start_secs = \"100ms\"", FAST)).start()) {
            ProgramStatus never = a.awaitState("never", ProcessState.EXITED);
            assertEquals(3, never.lastExit().code());
            ProgramStatus expected = a.awaitState("expected", ProcessState.EXITED);
            assertEquals(0, expected.restarts());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("unexpected").restarts() >= 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("always").restarts() >= 2);
            assertEquals(0, a.stop());
        }
    }

    @Test
    void noRestartExitCodesHoldTheProgramWhateverTheRestartPolicy() throws Exception {
        Path doppelganger = Scripts.write(dir, "doppelganger.sh", "sleep 0.3; exit 129");
        Path early = Scripts.write(dir, "early.sh", "exit 129");
        Path clean = Scripts.write(dir, "clean.sh", "sleep 0.3; exit 3");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("running", quote(doppelganger), "restart = \"always\"", "no_restart_exit_codes = [129]",
                        "start_secs = \"100ms\"", FAST)
                + program("starting", quote(early), "restart = \"always\"", "no_restart_exit_codes = [129]",
                        "start_secs = \"5s\"", "start_retries = \"forever\"", FAST)
                + program("expected", quote(clean), "restart = \"always\"", "no_restart_exit_codes = [3]",
                        "exit_codes = [0, 3]", "start_secs = \"100ms\"", FAST)).start()) {
            ProgramStatus running = a.awaitState("running", ProcessState.FATAL);
            assertEquals(0, running.restarts(), "exit 129 is never restarted, even with restart = always");
            assertEquals(129, running.lastExit().code());
            assertTrue(running.lastError().contains("no_restart_exit_codes"), running.lastError());
            ProgramStatus starting = a.awaitState("starting", ProcessState.FATAL);
            assertEquals(0, starting.restarts(), "also when it exits before start_secs, with start_retries = forever");
            ProgramStatus expected = a.awaitState("expected", ProcessState.EXITED);
            assertEquals(0, expected.restarts(), "a code also in exit_codes ends EXITED, not FATAL");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void failedStartsEndInFatalAfterStartRetries() throws Exception {
        Path quick = Scripts.write(dir, "quick.sh", "exit 7");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("crashy", quote(quick), "start_secs = \"1s\"", "start_retries = 2", FAST)).start()) {
            ProgramStatus s = a.awaitState("crashy", ProcessState.FATAL);
            assertEquals(2, s.restarts(), "two retries after the first failed start");
            assertNotNull(s.lastError());
            assertTrue(s.lastError().contains("start_retries = 2"), s.lastError());
            assertEquals(7, s.lastExit().code());
        }
    }

    /**
     * A program that daemonizes (forks, the child keeps its stdout, the parent exits at once) did not stay up
     * start_secs (1.5 s here), although its exit is judged only once the pipes end or 2 s later: each start is a failed
     * one, and start_retries ends in FATAL, as supervisord's "exited too quickly". It used to go RUNNING at
     * start_secs, its exit then judged as one from RUNNING: restarted for ever, never FATAL.
     */
    @Test
    void aProgramThatDaemonizesFailsToStartEvenWhileItsChildHoldsThePipes() throws Exception {
        Path daemonizes = Scripts.write(dir, "daemonizes.sh", "sleep 300 &\nexit 0");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("forker", quote(daemonizes), "restart = \"always\"", "start_secs = \"1500ms\"",
                        "start_retries = 1", FAST)).start()) {
            java.util.List<ProcessState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.agent().supervisor().addListener((status, from) -> seen.add(status.state()));
            ProgramStatus s = a.awaitState("forker", ProcessState.FATAL);
            assertTrue(s.lastError().contains("exited too quickly"), s.lastError());
            assertEquals(1, s.restarts(), "one retry after the first failed start");
            assertTrue(!seen.contains(ProcessState.RUNNING), "never RUNNING: " + seen);
            assertEquals(0, a.stop());
        }
    }

    /** With start_secs = 0 a program is RUNNING once spawned: an exit at once is one from RUNNING, as under supervisord. */
    @Test
    void withStartSecsZeroAnImmediateExitIsAnExitFromRunning() throws Exception {
        Path quick = Scripts.write(dir, "quick.sh", "exit 3");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("quick", quote(quick), "start_secs = \"0s\"", "restart = \"never\"", FAST)).start()) {
            ProgramStatus s = a.awaitState("quick", ProcessState.EXITED);
            assertEquals(3, s.lastExit().code());
            assertEquals(0, s.restarts());
        }
    }

    @Test
    void retryForeverNeverGoesFatal() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("forever", "[\"/bin/false\"]", "start_secs = \"1s\"", "start_retries = \"forever\"", FAST)).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.status("forever").restarts() >= 20);
            ProcessState st = a.status("forever").state();
            assertTrue(st != ProcessState.FATAL, "state " + st);
        }
    }

    @Test
    void missingBinaryIsAFailedStartWithAClearError() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("ghost", "[\"/nonexistent/engine\"]", "start_retries = 1", FAST)).start()) {
            ProgramStatus s = a.awaitState("ghost", ProcessState.FATAL);
            assertTrue(s.lastError().contains("/nonexistent/engine"), s.lastError());
        }
    }

    @Test
    void aProgramThatStaysUpIsRunningAfterStartSecs() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("sleeper", "[\"sleep\", \"300\"]", "start_secs = \"200ms\"")).start()) {
            ProgramStatus s = a.awaitState("sleeper", ProcessState.RUNNING);
            assertTrue(s.pid() > 0);
            assertEquals(0, a.stop());
        }
    }
}
