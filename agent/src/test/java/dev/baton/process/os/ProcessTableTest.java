package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTableTest {
    private static final String TAIL = " 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0";
    private static Children children;

    @BeforeAll
    static void start() {
        Os.becomeChildSubreaper(); // the zombie grandchild below is reaped here once its parent is killed
        children = new Children();
    }

    @AfterAll
    static void stop() {
        children.close();
    }

    @Test
    void parsesFieldsAfterTheLastParenthesis() {
        ProcStat stat = ProcStat.parse("100 (x) S 2 (y) R" + TAIL).orElseThrow();

        assertEquals("x) S 2 (y", stat.comm());
        assertEquals('R', stat.state());
        assertEquals(1, stat.ppid());
        assertEquals(100, stat.pgrp());
        assertEquals(100, stat.session());
        assertEquals(98765, stat.startTime());
        assertEquals(Optional.empty(), ProcStat.parse("100 (x) R 1 2"));
        assertEquals(Optional.empty(), ProcStat.parse("garbage"));
    }

    @Test
    void isInstanceOnlyForTheLiveProcessWithThatStartTime() throws Exception {
        SpawnedProcess sleep = children.spawn("sleep", "300");

        assertTrue(sleep.startTime() > 0);
        assertTrue(ProcessTable.isInstance(sleep.pid(), sleep.startTime()));
        assertFalse(ProcessTable.isInstance(sleep.pid(), sleep.startTime() + 1), "a reused pid has another start");
        children.stop(sleep);
        assertFalse(ProcessTable.isInstance(sleep.pid(), sleep.startTime()));
        assertEquals(Optional.empty(), ProcessTable.stat(sleep.pid()));
    }

    @Test
    void zombieIsNotAnInstanceNorAGroupMember() throws Exception {
        // a zombie grandchild: its parent sh stops itself and never waits
        SpawnedProcess sh = children.spawn("sh", "-c", "true & kill -STOP $$");
        Children.closePipes(sh);
        Children.eventually().until(() -> ProcessTable.zombieChildrenOf(sh.pid()).size() == 1);
        int zombie = ProcessTable.zombieChildrenOf(sh.pid()).get(0);

        ProcStat stat = ProcessTable.stat(zombie).orElseThrow();
        assertTrue(stat.isZombie());
        assertFalse(ProcessTable.isInstance(zombie, stat.startTime()));
        assertEquals(List.of(sh.pid()), ProcessTable.groupMembers(sh.pid()));
        Os.killGroup(sh.pid(), Signals.SIGKILL);
        children.awaitExit(sh.pid());
        children.awaitExit(zombie);
    }

    @Test
    void descendantsFromTheChildrenListsAreThoseOfAFullPass() throws Exception {
        // A program with a child, and an orphan re-parented to this process (a subreaper): the children
        // lists of every thread must be read, the orphan's parent is whichever thread the kernel picked
        SpawnedProcess sh = children.spawn("sh", "-c", "sleep 300 & (sleep 300 &); exec sleep 300");
        Children.closePipes(sh);
        int self = Os.pid();
        Children.eventually().until(() -> inGroup(ProcessTable.descendantsByScan(self), sh.pid()).size() == 3
                && ProcessTable.descendantsByScan(self).stream().anyMatch(p -> p.pgrp() == sh.pid() && p.ppid() == self
                        && p.pid() != sh.pid()));

        List<Integer> byChildren = inGroup(ProcessTable.descendantsByChildren(self), sh.pid());
        assertEquals(inGroup(ProcessTable.descendantsByScan(self), sh.pid()), byChildren);
        assertEquals(3, byChildren.size(), "the program, its child and the orphan");
        assertEquals(ProcessTable.descendantsOf(self).stream().map(ProcStat::pid).sorted().toList(),
                ProcessTable.descendantsByScan(self).stream().map(ProcStat::pid).sorted().toList());
        Os.killGroup(sh.pid(), Signals.SIGKILL);
        for (int pid : byChildren) {
            children.awaitExit(pid);
        }
        assertEquals(List.of(), inGroup(ProcessTable.descendantsByChildren(self), sh.pid()), "gone, and no zombie listed");
    }

    private static List<Integer> inGroup(List<ProcStat> processes, int pgrp) {
        return processes.stream().filter(p -> p.pgrp() == pgrp).map(ProcStat::pid).sorted().toList();
    }

    @Test
    void startTimeOfAProcessWhoseNameHasSpacesAndParentheses(@TempDir Path dir) throws Exception {
        Path oddName = dir.resolve("a) b");
        Files.copy(Path.of("/bin/sleep"), oddName, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(oddName, PosixFilePermissions.fromString("rwxr-xr-x"));
        SpawnedProcess odd = children.spawn(oddName.toString(), "300");

        ProcStat stat = ProcessTable.stat(odd.pid()).orElseThrow();
        assertEquals("a) b", stat.comm());
        assertEquals(odd.pid(), stat.pgrp());
        assertEquals(odd.startTime(), ProcessTable.startTime(odd.pid()).orElseThrow());
        assertTrue(odd.startTime() > 0);
        children.stop(odd);
    }

    @Test
    void aStatLineWithAFieldThatIsNotANumberIsRejected() {
        assertEquals(Optional.empty(), ProcStat.parse("100 (x) R -1 100 100" + TAIL.substring(" 1 100 100".length())));
        assertEquals(Optional.empty(), ProcStat.parse("100 (x) R 1 1x0 100" + TAIL.substring(" 1 100 100".length())));
        assertEquals(Optional.empty(), ProcStat.parse("x100 (x) R" + TAIL));
        assertEquals(Optional.empty(), ProcStat.parse("100 (x) RR" + TAIL));
        assertEquals(98765, ProcStat.parse("100 (x)\tR" + TAIL + "\n").orElseThrow().startTime());
    }

    @Test
    void environmentValueOfAProcess() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sleep", "300");
        pb.environment().put("BATON_TEST_TAG", "a.b=c");
        pb.environment().put("BATON_TEST_EMPTY", "");
        Process p = pb.start();
        try {
            int pid = (int) p.pid();
            Children.eventually().until(() -> ProcessTable.environmentValue(pid, "BATON_TEST_TAG").equals("a.b=c"));
            assertEquals("", ProcessTable.environmentValue(pid, "BATON_TEST_EMPTY"));
            assertEquals("", ProcessTable.environmentValue(pid, "BATON_TEST_TA"), "the whole name, not a prefix");
            assertEquals("", ProcessTable.environmentValue(pid, "NOT_THERE"));
        } finally {
            p.destroyForcibly().waitFor();
        }
        Children.eventually().until(() -> ProcessTable.environmentValue((int) p.pid(), "BATON_TEST_TAG") == null);
    }
}
