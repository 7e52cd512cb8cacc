package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.baton.control.ActionResult;
import dev.baton.control.ReloadResult;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP semantics: only the difference is applied; a broken config changes nothing. */
class ReloadTest {
    @TempDir
    Path dir;

    private static String sleeper(String name, String... extra) {
        return program(name, "[\"sleep\", \"300\"]", concat("start_secs = \"0s\"", extra));
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void reloadAppliesOnlyTheDifference() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(
                sleeper("unchanged") + sleeper("changed") + sleeper("removed")).start()) {
            int unchangedPid = a.awaitState("unchanged", ProcessState.RUNNING).pid();
            int changedPid = a.awaitState("changed", ProcessState.RUNNING).pid();
            a.awaitState("removed", ProcessState.RUNNING);

            a.config(sleeper("unchanged") + sleeper("changed", "environment = { NEW = \"1\" }") + sleeper("added"));
            a.agent.reload();

            a.awaitState("added", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("removed") == null);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("changed").state() == ProcessState.RUNNING
                    && a.status("changed").pid() != changedPid);
            assertEquals(unchangedPid, a.status("unchanged").pid(), "an unchanged program is not touched");
            assertNotEquals(changedPid, a.status("changed").pid());
            assertEquals("1", environOf(a.status("changed").pid()).contains("NEW=1") ? "1" : "0");
        }
    }

    /**
     * The agent's own settings are read at its start: a reload that changes them says they were not applied
     * (it answered "1 unchanged" as if they were: a raised shutdown_timeout still cut the stop at the old one).
     */
    @Test
    void aReloadSaysWhichOfTheAgentsOwnSettingsItCannotApply() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(sleeper("engine")).start()) {
            int pid = a.awaitState("engine", ProcessState.RUNNING).pid();
            ReloadResult same = a.agent.control().reload();
            assertEquals(java.util.List.of(), same.notApplied());

            Files.writeString(a.configFile, Files.readString(a.configFile).replace("shutdown_timeout = \"60s\"",
                    "shutdown_timeout = \"300s\"").replace("enabled = false", "enabled = false\nport = 9999"));
            ReloadResult r = a.agent.control().reload();

            assertEquals(true, r.ok(), r.toString());
            assertEquals(1, r.notApplied().size(), r.toString());
            org.junit.jupiter.api.Assertions.assertTrue(r.notApplied().get(0).startsWith(
                    "agent.shutdown_timeout, api.port changed: the agent's own settings take effect when it restarts"),
                    r.notApplied().toString());
            assertEquals(pid, a.status("engine").pid());
        }
    }

    @Test
    void aBrokenConfigLeavesEverythingRunning() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(sleeper("engine")).start()) {
            int pid = a.awaitState("engine", ProcessState.RUNNING).pid();
            Files.writeString(a.configFile, "[agent]\nstate_dir = \"" + a.stateDir + "\"\n[programs.engine]\ncommand = 42\n");
            a.agent.reload();
            // Post a no-op through the loop to be sure the reload (if any) was processed.
            a.agent.supervisor().loop().call(() -> null, Duration.ofSeconds(10));
            assertEquals(pid, a.status("engine").pid());
            assertEquals(ProcessState.RUNNING, a.status("engine").state());
            assertNull(a.status("engine").lastError());
        }
    }

    /**
     * A program that ignores the stop signal (the whole group does): every stop of it lasts its stop_timeout,
     * the window in which the tests send their second command (seconds, for a loaded machine).
     */
    private String stubborn(String stopTimeout) throws Exception {
        Path script = Scripts.write(dir, "stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.1; done");
        return program("stubborn", Scripts.quote(script), "start_secs = \"0s\"", "stop_timeout = \"" + stopTimeout + "\"");
    }

    /**
     * A reload restarts a changed program: it stops it, then starts it again. An operator's stop that
     * arrives while that stop runs is the last word: the program stays stopped (it used to be started
     * again once the stop ended, RUNNING while programs.json said "stopped").
     */
    @Test
    void anOperatorsStopDuringAReloadsRestartIsKept() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            a.config(stubborn("5s"));
            a.agent.reload();
            a.awaitState("stubborn", ProcessState.STOPPING);
            a.operatorStop("stubborn");
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("stubborn").state() != ProcessState.STOPPING);
            a.drain();
            assertEquals(ProcessState.STOPPED, a.status("stubborn").state(), "stopped by an operator during the reload");
            assertEquals(0, a.status("stubborn").pid());
        }
    }

    /**
     * A reload that reaches the agent while it stops everything (SIGHUP after SIGTERM) starts nothing:
     * a changed program stopping for the shutdown used to be started again when its stop ended, behind the
     * shutdown's back, and the agent then exited with it running.
     */
    @Test
    void aReloadDuringShutdownStartsNothing() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            java.util.List<ProcessState> afterShutdown = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.agent.supervisor().addListener((status, from) -> afterShutdown.add(status.state()));
            a.agent.shutdown(-1);
            a.awaitState("stubborn", ProcessState.STOPPING);
            a.config(stubborn("5s") + sleeper("added"));
            a.agent.reload();
            a.exit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
            assertEquals(java.util.List.of(ProcessState.STOPPING, ProcessState.STOPPED), afterShutdown,
                    "nothing started after the shutdown began");
            assertNull(a.agent.supervisor().program("added"), "the reload was refused");
        }
    }

    /** The same for an operator's restart: a stop sent while its stop runs is the last word. */
    @Test
    void anOperatorsStopDuringARestartIsKept() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            a.onLoop(() -> {
                a.agent.supervisor().restart(a.agent.supervisor().program("stubborn"), null);
                return null;
            });
            a.awaitState("stubborn", ProcessState.STOPPING);
            a.operatorStop("stubborn");
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("stubborn").state() != ProcessState.STOPPING);
            a.drain();
            assertEquals(ProcessState.STOPPED, a.status("stubborn").state(), "stopped by an operator during the restart");
        }
    }

    /** The shutdown comes while a reload's restart of a changed program stops it: it is not started again either. */
    @Test
    void aReloadsRestartPendingAtShutdownStartsNothing() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            a.config(stubborn("5s"));
            a.agent.reload();
            a.awaitState("stubborn", ProcessState.STOPPING);
            java.util.List<ProcessState> afterShutdown = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.agent.supervisor().addListener((status, from) -> afterShutdown.add(status.state()));
            a.agent.shutdown(-1);
            a.exit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
            assertEquals(java.util.List.of(ProcessState.STOPPED), afterShutdown, "nothing started after the shutdown began");
        }
    }

    /**
     * An operator's start of a program that is stopping waits for the stop; a stop sent after it is the
     * last word: the waiting start gives up when the stop ends (it used to start the program anyway).
     */
    @Test
    void anOperatorsStopOvertakesAStartWaitingForAStop() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            a.operatorStop("stubborn");
            a.awaitState("stubborn", ProcessState.STOPPING);
            java.util.concurrent.CompletableFuture<ActionResult> start = a.agent.control().start("stubborn");
            a.drain();
            a.agent.control().stop("stubborn").get(30, java.util.concurrent.TimeUnit.SECONDS);
            ActionResult started = start.get(30, java.util.concurrent.TimeUnit.SECONDS);
            a.drain();
            assertEquals(ProcessState.STOPPED, a.status("stubborn").state(), "the later stop wins");
            assertEquals(false, started.ok(), started.toString());
        }
    }

    /** {@code restart all} stops everything, then starts everything: a stop sent during its first half is kept. */
    @Test
    void anOperatorsStopDuringRestartAllIsKept() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(stubborn("4s") + sleeper("web")).start()) {
            a.awaitState("stubborn", ProcessState.RUNNING);
            int webPid = a.awaitState("web", ProcessState.RUNNING).pid();
            java.util.concurrent.CompletableFuture<ActionResult> restart = a.agent.control().restart("all");
            a.awaitState("stubborn", ProcessState.STOPPING);
            a.agent.control().stop("stubborn").get(30, java.util.concurrent.TimeUnit.SECONDS);
            ActionResult restarted = restart.get(30, java.util.concurrent.TimeUnit.SECONDS);
            a.drain();
            assertEquals(ProcessState.STOPPED, a.status("stubborn").state(), restarted.message());
            assertEquals(ProcessState.RUNNING, a.status("web").state(), restarted.message());
            assertNotEquals(webPid, a.status("web").pid(), "the rest was restarted");
            assertEquals("stubborn", restarted.skipped().get(0).program(), restarted.toString());
        }
    }

    /**
     * A reload that changes a running program to a command this host does not have (a typo in a new
     * version's path), or to a missing working directory, would stop it and leave it FATAL: refused, the
     * program keeps running, unless forced. It used to be applied: the running program was stopped.
     */
    @Test
    void aReloadThatWouldStopARunningProgramItCannotStartAgainIsRefusedUnlessForced() throws Exception {
        try (InProcessAgent a = new InProcessAgent(dir).config(sleeper("engine") + sleeper("web")).start()) {
            int pid = a.awaitState("engine", ProcessState.RUNNING).pid();
            int webPid = a.awaitState("web", ProcessState.RUNNING).pid();
            a.config(program("engine", "[\"/nonexistent/engine-1.1\"]", "start_secs = \"0s\"")
                    + sleeper("web", "directory = \"/nonexistent/dir\""));
            ReloadResult refused = a.agent.control().reload(false);
            assertEquals(false, refused.ok(), refused.toString());
            String problems = String.join("\n", refused.problems());
            org.junit.jupiter.api.Assertions.assertTrue(problems.contains("/nonexistent/engine-1.1")
                    && problems.contains("/nonexistent/dir") && problems.contains("--force"), problems);
            a.drain();
            assertEquals(pid, a.status("engine").pid(), "still the running engine");
            assertEquals(ProcessState.RUNNING, a.status("engine").state());
            assertEquals(webPid, a.status("web").pid());

            org.junit.jupiter.api.Assertions.assertTrue(a.agent.control().reload(true).ok(), "forced: applied");
            a.awaitState("engine", ProcessState.FATAL);
        }
    }

    static String environOf(int pid) throws Exception {
        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ"))).replace('\0', '\n');
    }
}
