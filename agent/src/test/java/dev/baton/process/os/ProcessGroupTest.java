package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stopping a whole program: its process group, grandchildren that ignore SIGTERM included. */
class ProcessGroupTest {
    // leader: sh ignoring TERM; grandchildren: a plain sleep (forked before the trap, so TERM kills it)
    // and a sleep that ignores TERM itself
    private static final String SCRIPT = "sleep 300 & trap '' TERM; sh -c 'trap \"\" TERM; exec sleep 301' & wait";
    private static Children children;

    @BeforeAll
    static void start() {
        Os.becomeChildSubreaper(); // grandchildren orphaned by the kill re-parent here and get reaped
        children = new Children();
    }

    @AfterAll
    static void stop() {
        children.close();
    }

    @Test
    void termSparesTheIgnoringMembersAndKillStopsTheWholeGroup() throws Exception {
        SpawnedProcess leader = children.spawn("sh", "-c", SCRIPT);
        Children.closePipes(leader);
        // the TERM-ignoring grandchild has exec'd: every trap is in place
        Children.eventually().until(() -> commandLines(leader.pid()).contains("sleep 301"));
        assertEquals(3, ProcessTable.groupMembers(leader.pid()).size());

        assertTrue(Os.killGroup(leader.pid(), Signals.SIGTERM));
        Children.eventually().until(() -> !commandLines(leader.pid()).contains("sleep 300"));
        String sh = ExecutableLookup.resolve("sh", Children.PATH_ONLY); // argv[0] as the spawner resolved it
        assertEquals(List.of(sh + " -c " + SCRIPT, "sleep 301"),
                commandLines(leader.pid()).stream().sorted().toList(), "the TERM-ignoring leader and grandchild");

        assertTrue(Os.killGroup(leader.pid(), Signals.SIGKILL));
        Children.eventually().until(() -> ProcessTable.groupMembers(leader.pid()).isEmpty());
        assertEquals(ExitStatus.killed(Signals.SIGKILL), children.awaitExit(leader.pid()));
        Children.eventually().until(() -> ProcessTable.zombieChildrenOf(Os.pid()).isEmpty());
        assertEquals(false, Os.killGroup(leader.pid(), Signals.SIGKILL), "empty group: ESRCH");
    }

    @Test
    void killRefusesIdsThatMeanManyProcesses() {
        for (int id : new int[] {0, -1, -5}) {
            assertThrows(IllegalArgumentException.class,
                    () -> Os.kill(id, Signals.SIGTERM));
        }
        for (int id : new int[] {0, 1, -1}) {
            assertThrows(IllegalArgumentException.class,
                    () -> Os.killGroup(id, Signals.SIGTERM));
        }
    }

    private static List<String> commandLines(int pgid) {
        return ProcessTable.groupMembers(pgid).stream().map(Children::commandLine).toList();
    }
}
