package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Descendants that outlive their parent: re-parented to the agent, found by their environment, reaped. */
class OrphanTest {
    private static Children children;

    @BeforeAll
    static void start() {
        Os.becomeChildSubreaper();
        children = new Children();
    }

    @AfterAll
    static void stop() {
        children.close();
    }

    @Test
    void doubleForkedOrphanReparentsToTheAgentAndIsReaped(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("orphan.pid");
        // the grandchild leaves the session (setsid) and writes its pid; its parent exits at once
        SpawnedProcess parent = children.spawn("sh", "-c",
                "setsid sh -c \"echo \\$\\$ > $1; exec sleep 300\" </dev/null >/dev/null 2>&1 &", "sh",
                pidFile.toString());
        Children.closePipes(parent);
        assertEquals(ExitStatus.exited(0), children.awaitExit(parent.pid()));

        Children.eventually().until(() -> Files.exists(pidFile) && Files.readString(pidFile).endsWith("\n"));
        int orphan = Integer.parseInt(Files.readString(pidFile).trim());
        Children.eventually().until(() -> ProcessTable.stat(orphan).map(ProcStat::ppid).orElse(0) == Os.pid());
        assertEquals(orphan, ProcessTable.stat(orphan).orElseThrow().session(), "it left the program's session");

        Os.kill(orphan, Signals.SIGKILL);
        assertEquals(ExitStatus.killed(Signals.SIGKILL), children.awaitExit(orphan));
        assertEquals(List.of(), ProcessTable.zombieChildrenOf(Os.pid()));
    }

    @Test
    void taggedGrandchildIsFoundByItsEnvironmentAfterItsParentExited() throws Exception {
        String tag = UUID.randomUUID().toString();
        SpawnedProcess parent = children.spawn(new SpawnRequest(List.of("sh", "-c", "sleep 300 >/dev/null 2>&1 &"),
                Map.of("PATH", "/usr/bin:/bin", "BATON_INSTANCE", tag), null, null, null, null, false));
        Children.closePipes(parent);
        assertEquals(ExitStatus.exited(0), children.awaitExit(parent.pid()));

        // A process in the middle of its exec shows an empty environ for a moment: wait for the sleep's
        Children.eventually().until(() -> ProcessTable.findByEnvironment("BATON_INSTANCE", tag).size() == 1);
        List<Integer> found = ProcessTable.findByEnvironment("BATON_INSTANCE", tag);
        assertEquals(1, found.size(), "the sleep, and nothing else: " + found);
        int grandchild = found.get(0);
        assertEquals(List.of(), ProcessTable.findByEnvironment("BATON_INSTANCE", tag.substring(1)));
        assertEquals(List.of(), ProcessTable.findByEnvironment("BATON_INSTANC", tag));

        Os.kill(grandchild, Signals.SIGKILL);
        assertEquals(ExitStatus.killed(Signals.SIGKILL), children.awaitExit(grandchild));
        assertEquals(List.of(), ProcessTable.findByEnvironment("BATON_INSTANCE", tag));
    }
}
