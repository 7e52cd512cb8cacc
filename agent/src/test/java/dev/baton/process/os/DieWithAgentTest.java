package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dieWithAgent: setpriv --pdeathsig KILL in front of the program. The parent-death signal belongs to the thread
 * that spawned the child, so ending a Spawner's thread (close) shows the signal without killing a whole JVM.
 */
class DieWithAgentTest {
    private static Children children;

    @BeforeAll
    static void start() {
        assumeTrue(Setpriv.path().isPresent(), "setpriv (util-linux) is not installed");
        children = new Children();
    }

    @AfterAll
    static void stop() {
        if (children != null) {
            children.close();
        }
    }

    @Test
    void setprivExecsTheProgramWhichKeepsThePidAndGroup() throws Exception {
        SpawnedProcess sleep = children.spawn(request(true, null, "sleep", "300"));

        String program = ExecutableLookup.resolve("sleep", Children.PATH_ONLY);
        Children.eventually().until(() -> Children.commandLine(sleep.pid()).equals(program + " 300"));
        assertEquals(sleep.pid(), ProcessTable.stat(sleep.pid()).orElseThrow().pgrp());
        assertTrue(ProcessTable.isInstance(sleep.pid(), sleep.startTime()), "exec keeps the start time");
        children.stop(sleep);
    }

    @Test
    void endOfTheSpawningThreadKillsDieWithAgentChildrenOnly() throws Exception {
        Spawner ending = new Spawner();
        SpawnedProcess doomed = children.spawnWith(ending, request(true, null, "sleep", "300"));
        SpawnedProcess survivor = children.spawnWith(ending, request(false, null, "sleep", "300"));
        Children.closePipes(doomed);
        awaitExecOfSleep(doomed); // setpriv has set the death signal before it exec'd

        ending.close();

        assertEquals(ExitStatus.killed(Signals.SIGKILL), children.awaitExit(doomed.pid()));
        assertTrue(ProcessTable.isInstance(survivor.pid(), survivor.startTime()));
        children.stop(survivor);
    }

    @Test
    void deathSignalSurvivesTheSwitchToAnotherUser() throws Exception {
        assumeTrue(Os.isRoot(), "switching users needs root");
        Spawner ending = new Spawner();
        SpawnedProcess doomed = children.spawnWith(ending, request(true, "nobody", "sleep", "300"));
        Children.closePipes(doomed);
        awaitExecOfSleep(doomed);
        assertTrue(Files.readAllLines(Path.of("/proc/" + doomed.pid() + "/status")).contains(
                "Uid:\t65534\t65534\t65534\t65534"));

        ending.close(); // the kernel clears the death signal on a uid change: setpriv must set it afterwards

        assertEquals(ExitStatus.killed(Signals.SIGKILL), children.awaitExit(doomed.pid()));
    }

    private static void awaitExecOfSleep(SpawnedProcess child) {
        Children.awaitExec(child.pid(), "sleep 300");
    }

    private static SpawnRequest request(boolean dieWithAgent, String user, String... argv) {
        return new SpawnRequest(List.of(argv), Children.PATH_ONLY, null, user, null, null, dieWithAgent);
    }
}
