package dev.baton.process.os;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A spawner and a reaper for one test class (one JVM per class: no other reaper meets these children), with the
 * exits it saw, plus small readers of pipes and /proc.
 */
final class Children implements AutoCloseable, AfterAllCallback {
    static final Map<String, String> PATH_ONLY = Map.of("PATH", "/usr/bin:/bin");
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final Spawner spawner = new Spawner();
    private final Map<Integer, ExitStatus> exits = new ConcurrentHashMap<>();
    private final Reaper reaper = new Reaper(exits::put);

    Children() {
        reaper.start();
    }

    /** As a static {@code @RegisterExtension} field: closed after the test class. */
    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    static SpawnRequest request(String... argv) {
        return new SpawnRequest(List.of(argv), PATH_ONLY, null, null, null, null, false);
    }

    SpawnedProcess spawn(String... argv) throws SpawnException {
        return spawn(request(argv));
    }

    SpawnedProcess spawn(SpawnRequest request) throws SpawnException {
        return spawnWith(spawner, request);
    }

    /** Spawns with another spawner, still reaped here. */
    SpawnedProcess spawnWith(Spawner other, SpawnRequest request) throws SpawnException {
        SpawnedProcess child = other.spawn(request);
        reaper.childSpawned();
        return child;
    }

    /** Awaitility, polling often: children exit within milliseconds, and tests wait for hundreds of them. */
    static ConditionFactory eventually() {
        return await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    /** Waits until the reaper reported pid's exit, and forgets it. */
    ExitStatus awaitExit(int pid) {
        eventually().until(() -> exits.containsKey(pid));
        return exits.remove(pid);
    }

    /** Kills a child that is still running, closes its pipes, waits for its exit. */
    void stop(SpawnedProcess child) {
        Os.kill(child.pid(), Signals.SIGKILL);
        closePipes(child);
        awaitExit(child.pid());
    }

    static void closePipes(SpawnedProcess child) {
        Os.close(child.stdoutFd());
        Os.close(child.stderrFd());
    }

    /** Reads a pipe until EOF (every writer gone) and closes it. */
    static String readToEnd(int fd) {
        try {
            // a new blocking open of the same pipe: the fd itself is O_NONBLOCK
            return new String(Files.readAllBytes(Path.of("/proc/self/fd/" + fd)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Os.close(fd);
        }
    }

    /**
     * Waits until the JVM's descriptors are exactly these again. Waits rather than compares once: other JVM threads
     * may hold a descriptor for a moment (one extra fd showed up once in 10,000 cycles); a leak stays and fails
     * when the patience runs out. A transient difference is printed to the test's output.
     */
    static void awaitOpenFds(Map<String, String> expected) {
        Map<String, String> now = openFds();
        if (!now.equals(expected)) {
            System.out.println("open fds differ for a moment: expected " + expected + ", saw " + now);
        }
        eventually().untilAsserted(() -> assertEquals(expected, openFds()));
    }

    /** fd number → what it points to, for messages that say which descriptor leaked. */
    static Map<String, String> openFds() {
        Map<String, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            // An fd closed while we list (the listing's own, a pipe of a spawn in flight) is not a leak.
            entries.forEach(fd -> {
                String target = target(fd);
                if (!target.equals("?")) {
                    fds.put(fd.getFileName().toString(), target);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "?"; // closed meanwhile, e.g. the listing's own descriptor
        }
    }

    /**
     * Waits until the process has exec'd the program whose command line ends with {@code tail}.
     * setpriv's own command line ({@code setpriv ... -- PROGRAM ARGS}) ends the same way, so it is
     * ruled out: only after its exec are the death signal, the user switch and the fds final.
     */
    static void awaitExec(int pid, String tail) {
        eventually().until(() -> {
            String cmd = commandLine(pid);
            return cmd.endsWith(tail) && !cmd.contains("setpriv");
        });
    }

    /** /proc/PID/cmdline with NULs shown as spaces; empty when the process is gone. */
    static String commandLine(int pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        spawner.close();
        reaper.close();
    }
}
