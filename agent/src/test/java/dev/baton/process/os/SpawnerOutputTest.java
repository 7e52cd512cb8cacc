package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SpawnerOutputTest {
    @RegisterExtension
    static final Children children = new Children();

    @Test
    void echoWritesToTheStdoutPipe() throws Exception {
        SpawnedProcess echo = children.spawn("/bin/echo", "hello");

        assertEquals("hello\n", Children.readToEnd(echo.stdoutFd()));
        assertEquals("", Children.readToEnd(echo.stderrFd()));
        assertEquals(ExitStatus.exited(0), children.awaitExit(echo.pid()));
    }

    @Test
    void stdoutAndStderrArriveOnSeparatePipes() throws Exception {
        SpawnedProcess sh = children.spawn("sh", "-c", "echo out; echo err >&2");

        assertEquals("out\n", Children.readToEnd(sh.stdoutFd()));
        assertEquals("err\n", Children.readToEnd(sh.stderrFd()));
        assertEquals(ExitStatus.exited(0), children.awaitExit(sh.pid()));
    }

    @Test
    void exitCodeIsReported() throws Exception {
        SpawnedProcess sh = children.spawn("sh", "-c", "exit 3");
        Children.closePipes(sh);

        assertEquals(ExitStatus.exited(3), children.awaitExit(sh.pid()));
    }

    @Test
    void deathBySignalIsReported() throws Exception {
        SpawnedProcess sleep = children.spawn("sleep", "300");
        Children.closePipes(sleep);

        assertEquals(true, Os.kill(sleep.pid(), Signals.SIGTERM));
        assertEquals(ExitStatus.killed(Signals.SIGTERM), children.awaitExit(sleep.pid()));
        assertEquals(false, Os.kill(sleep.pid(), Signals.SIGTERM), "reaped: no such process");
    }

    @Test
    void environmentIsExactlyTheRequestedOne() throws Exception {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", "/usr/bin:/bin");
        environment.put("A", "1");
        environment.put("SPACED", "x y");
        environment.put("UNICODE", "é✓");
        environment.put("EMPTY", "");
        SpawnedProcess env = children.spawn(new SpawnRequest(List.of("env"), environment, null, null, null, null,
                false));

        assertEquals("PATH=/usr/bin:/bin\nA=1\nSPACED=x y\nUNICODE=é✓\nEMPTY=\n", Children.readToEnd(env.stdoutFd()));
        Os.close(env.stderrFd());
        children.awaitExit(env.pid());
    }

    @Test
    void emptyEnvironmentMeansNoVariableAtAll() throws Exception {
        SpawnedProcess env = children.spawn(new SpawnRequest(List.of("/usr/bin/env"), Map.of(), null, null, null,
                null, false));

        assertEquals("", Children.readToEnd(env.stdoutFd()));
        Os.close(env.stderrFd());
        children.awaitExit(env.pid());
    }

    @Test
    void runsInTheRequestedDirectory(@TempDir Path directory) throws Exception {
        SpawnedProcess pwd = children.spawn(new SpawnRequest(List.of("pwd"), Children.PATH_ONLY, directory, null,
                null, null, false));

        assertEquals(directory.toRealPath() + "\n", Children.readToEnd(pwd.stdoutFd()));
        Os.close(pwd.stderrFd());
        children.awaitExit(pwd.pid());
    }

    @Test
    void childGetsTheRequestedUmaskAndTheAgentKeepsItsOwn() throws Exception {
        String agentUmask = umaskOfThisProcess();
        SpawnedProcess sh = children.spawn(new SpawnRequest(List.of("sh", "-c", "umask"), Children.PATH_ONLY, null,
                null, null, 027, false));

        assertEquals("0027\n", Children.readToEnd(sh.stdoutFd()));
        Os.close(sh.stderrFd());
        children.awaitExit(sh.pid());
        assertEquals(agentUmask, umaskOfThisProcess());
    }

    private static String umaskOfThisProcess() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Umask:"))
                .findFirst()
                .orElseThrow();
    }
}
