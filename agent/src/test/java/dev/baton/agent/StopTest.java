package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static dev.baton.agent.Scripts.quote;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.ProcessState;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No descendant survives a stop: TERM-ignoring grandchildren, double-forked daemons; no zombies. */
class StopTest {
    @TempDir
    Path dir;

    @Test
    void stopEscalatesToKillForATermIgnoringGrandchildAndLeavesNothing() throws Exception {
        Path pids = dir.resolve("grandchild.pid");
        Path script = Scripts.write(dir, "stubborn.sh",
                "sh -c 'trap \"\" TERM; echo $$ > " + pids + "; while :; do sleep 1; done' &\nwait");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("stubborn", quote(script), "start_secs = \"0s\"", "stop_timeout = \"1s\"")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pids) && Files.size(pids) > 0);
            int grandchild = Integer.parseInt(Files.readString(pids).trim());
            int exit = a.stop();
            assertEquals(1, exit, "a program that needed SIGKILL makes the agent exit 1");
            assertTrue(ProcessTable.startTime(grandchild).isEmpty() || !isAlive(grandchild),
                    "grandchild " + grandchild + " survived the stop");
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.zombieChildrenOf(Os.pid()).isEmpty());
        }
    }

    @Test
    void aDoubleForkedDaemonIsStoppedWithItsProgramAndReaped() throws Exception {
        Path pidFile = dir.resolve("daemon.pid");
        // setsid + background: the daemon leaves the program's process group and session, and its
        // parent exits, so it re-parents to the agent (a child subreaper).
        Path script = Scripts.write(dir, "daemonizer.sh",
                "setsid sh -c 'echo $$ > " + pidFile + "; exec sleep 300' &\nsleep 300");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("daemonizer", quote(script), "start_secs = \"0s\"", "stop_timeout = \"5s\"")).start()) {
            a.awaitState("daemonizer", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
            int daemon = Integer.parseInt(Files.readString(pidFile).trim());
            assertTrue(isAlive(daemon));
            assertEquals(0, a.stop());
            await().atMost(Duration.ofSeconds(10)).until(() -> !isAlive(daemon));
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.zombieChildrenOf(Os.pid()).isEmpty());
        }
    }

    @Test
    void orphansOfARunningProgramAreReapedNoZombiesAccumulate() throws Exception {
        // Each round leaves a short-lived orphan that re-parents to the agent.
        Path script = Scripts.write(dir, "orphans.sh",
                "i=0; while [ $i -lt 20 ]; do (sleep 0.05 &) ; i=$((i+1)); sleep 0.05; done; sleep 300");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("orphans", quote(script), "start_secs = \"0s\"")).start()) {
            a.awaitState("orphans", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(2))
                    .until(() -> ProcessTable.zombieChildrenOf(Os.pid()).isEmpty());
            assertEquals(0, a.stop());
        }
    }

    /**
     * Once the agent stops everything nothing starts, as under supervisord ("dont start any processes if
     * supervisor is shutting down"): a program of a lower priority level that crashes while a higher level
     * is still stopping is not restarted (it used to be, every backoff, until its own level stopped it).
     */
    @Test
    void aShutdownRestartsNothingWhileTheLevelsAboveStop() throws Exception {
        Path slow = Scripts.write(dir, "slow-stop.sh", "trap '' TERM\nwhile :; do sleep 0.1; done");
        Path crashy = Scripts.write(dir, "crashy.sh", "sleep 0.3\nexit 1");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("top", quote(slow), "start_secs = \"0s\"", "stop_timeout = \"2s\"", "priority = 200")
                + program("crashy", quote(crashy), "start_secs = \"0s\"", "restart = \"always\"", "priority = 1",
                        "backoff = { initial = \"10ms\", max = \"10ms\", jitter = 0.0 }")).start()) {
            a.awaitState("top", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("crashy").restarts() >= 1);
            List<String> afterShutdown = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.agent().supervisor().addListener((status, from) -> afterShutdown.add(status.name() + " " + status.state()));
            a.agent().shutdown(-1);
            a.exit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
            assertTrue(afterShutdown.contains("top STOPPED"), afterShutdown.toString());
            assertTrue(afterShutdown.stream().noneMatch(e -> e.endsWith(" STARTING")), "nothing started: " + afterShutdown);
        }
    }

    @Test
    void stopOrderIsReversePriority() throws Exception {
        Path order = dir.resolve("order");
        Path script = Scripts.write(dir, "recorder.sh", "trap 'echo $1 >> " + order + "; exit 0' TERM; while :; do sleep 0.1; done");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                program("low", "[\"" + script + "\", \"low\"]", "priority = 10", "start_secs = \"0s\"")
                + program("high", "[\"" + script + "\", \"high\"]", "priority = 900", "start_secs = \"0s\"")
                + program("mid", "[\"" + script + "\", \"mid\"]", "priority = 100", "start_secs = \"0s\"")).start()) {
            a.awaitState("low", ProcessState.RUNNING);
            a.awaitState("mid", ProcessState.RUNNING);
            a.awaitState("high", ProcessState.RUNNING);
            assertEquals(0, a.stop());
            assertEquals(List.of("high", "mid", "low"), Files.readAllLines(order));
        }
    }

    static boolean isAlive(int pid) {
        return ProcessTable.startTime(pid).isPresent() && ProcessTable.isInstance(pid, ProcessTable.startTime(pid).getAsLong());
    }
}
