package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a child must not inherit from the JVM: descriptors, blocked or ignored signals, the session. */
class ChildIsolationTest {
    @RegisterExtension
    static final Children children = new Children();

    @ParameterizedTest(name = "dieWithAgent={0}")
    @ValueSource(booleans = {false, true})
    void childHoldsOnlyStdinStdoutAndStderr(boolean dieWithAgent) throws Exception {
        try (ServerSocket listening = new ServerSocket(0)) { // a listening port the child must never hold
            assertTrue(Children.openFds().size() > 3, "the JVM has more than fds 0-2 open: jars, the socket");
            SpawnedProcess sleep = children.spawn(new SpawnRequest(List.of("sleep", "300"), Children.PATH_ONLY,
                    null, null, null, null, dieWithAgent));
            // with setpriv in front, look once it has exec'd the program
            Children.awaitExec(sleep.pid(), "sleep 300");

            Path fds = Path.of("/proc/" + sleep.pid() + "/fd");
            StandardFdsOnly.assertHeldBy(sleep.pid());
            assertEquals("/dev/null", Files.readSymbolicLink(fds.resolve("0")).toString());
            String stdout = Files.readSymbolicLink(fds.resolve("1")).toString();
            String stderr = Files.readSymbolicLink(fds.resolve("2")).toString();
            assertTrue(stdout.startsWith("pipe:"), stdout);
            assertTrue(stderr.startsWith("pipe:"), stderr);
            assertNotEquals(stdout, stderr);
            children.stop(sleep);
        }
    }

    /** Ignored: only SIGPIPE and SIGXFSZ, as under supervisord (see {@link SignalDispositionTest}). */
    @Test
    void childStartsWithNoBlockedSignalAndOnlySigpipeAndSigxfszIgnored() throws Exception {
        assertNotEquals("SigBlk:\t0000000000000000", signalLineOfSpawnerThread("SigBlk:"),
                "the JVM blocks signals on its threads (SIGQUIT): the child must not inherit that");
        SpawnedProcess grep = children.spawn("grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status");

        assertEquals("SigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\n", Children.readToEnd(grep.stdoutFd()));
        Os.close(grep.stderrFd());
        assertEquals(ExitStatus.exited(0), children.awaitExit(grep.pid()));
    }

    @Test
    void childLeadsItsOwnSessionAndProcessGroup() throws Exception {
        SpawnedProcess sleep = children.spawn("sleep", "300");

        ProcStat stat = ProcessTable.stat(sleep.pid()).orElseThrow();
        assertEquals(sleep.pid(), stat.pgrp());
        assertEquals(sleep.pid(), stat.session());
        assertEquals(Os.pid(), stat.ppid());
        assertEquals(sleep.startTime(), stat.startTime());
        children.stop(sleep);
    }

    private static String signalLineOfSpawnerThread(String field) throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            Path spawner = tasks.filter(task -> comm(task).equals("baton-spawner")).findFirst().orElseThrow();
            return Files.readAllLines(spawner.resolve("status")).stream()
                    .filter(line -> line.startsWith(field)).findFirst().orElseThrow();
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
            return ""; // the thread ended
        }
    }
}
