package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program starts with the signal dispositions it had under supervisord (SigIgn 0x1001000: SIGPIPE and SIGXFSZ
 * ignored, as Python leaves them) and under systemd (IgnoreSIGPIPE=yes): a write to a closed pipe fails with EPIPE
 * instead of killing it. ignore_sigpipe = false (systemd's IgnoreSIGPIPE=no) leaves SIGPIPE at its default.
 */
class SignalDispositionTest {
    /** SIGPIPE (13) is bit 12, SIGXFSZ (25) bit 24. */
    private static final String PIPE_AND_XFSZ = "SigIgn:\t0000000001001000\n";
    private static final String XFSZ_ONLY = "SigIgn:\t0000000001000000\n";

    @RegisterExtension
    static final Children children = new Children();

    @TempDir
    Path dir;

    /** Directly, behind setpriv (dieWithAgent) and behind prlimit then setpriv (limits): wrappers keep SIG_IGN. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "setpriv", "prlimit"})
    void sigpipeAndSigxfszStartIgnored(String wrapper) throws Exception {
        SpawnedProcess grep = children.spawn(request(true, wrapper, "grep", "^SigIgn:", "/proc/self/status"));

        assertEquals(PIPE_AND_XFSZ, Children.readToEnd(grep.stdoutFd()));
        Os.close(grep.stderrFd());
        assertEquals(ExitStatus.exited(0), children.awaitExit(grep.pid()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "setpriv", "prlimit"})
    void withTheOptOutSigpipeStartsAtItsDefault(String wrapper) throws Exception {
        SpawnedProcess grep = children.spawn(request(false, wrapper, "grep", "^SigIgn:", "/proc/self/status"));

        assertEquals(XFSZ_ONLY, Children.readToEnd(grep.stdoutFd()));
        Os.close(grep.stderrFd());
        assertEquals(ExitStatus.exited(0), children.awaitExit(grep.pid()));
    }

    /** {@code yes | head -1}: yes gets EPIPE and exits 1, as under supervisord; with the opt-out SIGPIPE kills it. */
    @ParameterizedTest(name = "ignoreSigpipe={0}")
    @ValueSource(booleans = {true, false})
    void aWriterToAClosedPipeGetsEpipeUnlessOptedOut(boolean ignoreSigpipe) throws Exception {
        SpawnedProcess sh = children.spawn(request(ignoreSigpipe, "plain", "sh", "-c",
                "(yes; echo \"yes exited $?\" >&2) | head -1 >/dev/null"));

        Os.close(sh.stdoutFd());
        String stderr = Children.readToEnd(sh.stderrFd());
        assertTrue(stderr.contains(ignoreSigpipe ? "yes exited 1\n" : "yes exited 141\n"), stderr);
        assertEquals(ExitStatus.exited(0), children.awaitExit(sh.pid()));
    }

    /**
     * A program that logs to stdout after the agent stopped reading it (a Cosmos node writing to fd 1 once the
     * pipe's reader is gone) goes on running, as under supervisord; with the opt-out it dies of SIGPIPE.
     */
    @ParameterizedTest(name = "ignoreSigpipe={0}")
    @ValueSource(booleans = {true, false})
    void aProgramOutlivesTheReaderOfItsOutputUnlessOptedOut(boolean ignoreSigpipe) throws Exception {
        Path go = dir.resolve("go");
        SpawnedProcess sh = children.spawn(request(ignoreSigpipe, "setpriv", "sh", "-c",
                "while [ ! -e \"$0\" ]; do sleep 0.01; done; echo 'a log line'; echo \"still running, echo: $?\" >&2",
                go.toString()));

        Os.close(sh.stdoutFd()); // the reader of its stdout is gone
        Files.createFile(go);
        String stderr = Children.readToEnd(sh.stderrFd());
        ExitStatus exit = children.awaitExit(sh.pid());
        if (ignoreSigpipe) {
            assertTrue(stderr.contains("still running, echo: 1\n"), stderr);
            assertEquals(ExitStatus.exited(0), exit);
        } else {
            assertEquals("", stderr);
            assertEquals(ExitStatus.killed(Signals.SIGPIPE), exit);
        }
    }

    /** The agent's own disposition is SIG_IGN once it spawned: what the JVM's handler did, so it never dies of it. */
    @Test
    void theAgentItselfIgnoresSigpipe() throws Exception {
        SpawnedProcess t = children.spawn("true");
        Children.closePipes(t);
        children.awaitExit(t.pid());

        long ignored = Long.parseLong(Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).strip(), 16);
        assertEquals(0x1001000L, ignored & 0x1001000L, Long.toHexString(ignored));
        Os.kill(Os.pid(), Signals.SIGPIPE); // would end this JVM if it were SIG_DFL
        Os.kill(Os.pid(), Signals.SIGXFSZ);
    }

    private static SpawnRequest request(boolean ignoreSigpipe, String wrapper, String... argv) {
        List<ResourceLimit> limits = wrapper.equals("prlimit") ? List.of(new ResourceLimit("nofile", 1024, 4096))
                : List.of();
        return new SpawnRequest(List.of(argv), Children.PATH_ONLY, null, null, null, null, !wrapper.equals("plain"),
                null, limits, ignoreSigpipe);
    }
}
