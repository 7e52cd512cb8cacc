package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SpawnFailureTest {
    @RegisterExtension
    static final Children children = new Children();

    @Test
    void unknownCommandNamesItAndThePathSearched() {
        SpawnException e = assertThrows(SpawnException.class, () -> children.spawn("no-such-program-xyz"));

        assertEquals(LibC.ENOENT, e.errno());
        assertEquals("command not found: no-such-program-xyz (searched PATH=/usr/bin:/bin)", e.getMessage());
    }

    @Test
    void defaultPathIsUsedWhenTheEnvironmentHasNone() throws Exception {
        SpawnException e = assertThrows(SpawnException.class, () -> children.spawn(
                new SpawnRequest(List.of("no-such-program-xyz"), Map.of(), null, null, null, null, false)));
        assertTrue(e.getMessage().endsWith("(searched PATH=/usr/local/bin:/usr/bin:/bin)"), e.getMessage());

        SpawnedProcess echo = children.spawn(new SpawnRequest(List.of("echo", "found"), Map.of(), null, null, null,
                null, false));
        assertEquals("found\n", Children.readToEnd(echo.stdoutFd()));
        Os.close(echo.stderrFd());
        children.awaitExit(echo.pid());
    }

    @Test
    void missingAbsolutePathFailsWithPosixSpawnsError() {
        SpawnException e = assertThrows(SpawnException.class, () -> children.spawn("/nonexistent/program"));

        assertEquals(LibC.ENOENT, e.errno());
        assertEquals("cannot start /nonexistent/program: No such file or directory (ENOENT)", e.getMessage());
    }

    @Test
    void missingWorkingDirectoryIsNamed() {
        SpawnException e = assertThrows(SpawnException.class, () -> children.spawn(new SpawnRequest(
                List.of("true"), Children.PATH_ONLY, Path.of("/nonexistent-dir"), null, null, null, false)));

        assertEquals(LibC.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("working directory /nonexistent-dir does not exist"), e.getMessage());
    }

    @Test
    void invalidRequestsAreRefusedBeforeAnythingIsOpened() {
        assertEquals(LibC.EINVAL, assertThrows(SpawnException.class, () -> children.spawn(
                new SpawnRequest(List.of(), Children.PATH_ONLY, null, null, null, null, false))).errno());
        assertEquals(LibC.EINVAL, assertThrows(SpawnException.class, () -> children.spawn(
                new SpawnRequest(List.of("true"), Map.of("A=B", "c"), null, null, null, null, false))).errno());
        assertEquals(LibC.EINVAL, assertThrows(SpawnException.class, () -> children.spawn(
                new SpawnRequest(List.of("echo", "a\0b"), Children.PATH_ONLY, null, null, null, null, false))).errno());
    }

    @Test
    void neitherFailuresNorSuccessesLeakDescriptors() throws Exception {
        spawnAndFail(20); // load every class first: class loading may open files once
        Map<String, String> before = Children.openFds();

        spawnAndFail(200);

        Children.awaitOpenFds(before);
    }

    /** rounds × (one lookup failure, one posix_spawn failure, one chdir failure, one success) */
    private static void spawnAndFail(int rounds) throws Exception {
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            assertThrows(SpawnException.class, () -> children.spawn("no-such-program-xyz"));
            assertThrows(SpawnException.class, () -> children.spawn("/nonexistent/program"));
            assertThrows(SpawnException.class, () -> children.spawn(new SpawnRequest(
                    List.of("true"), Children.PATH_ONLY, Path.of("/nonexistent-dir"), null, null, null, false)));
            SpawnedProcess ok = children.spawn("/bin/true");
            Children.closePipes(ok);
            started.add(ok.pid());
        }
        for (int pid : started) {
            assertEquals(ExitStatus.exited(0), children.awaitExit(pid));
        }
    }
}
