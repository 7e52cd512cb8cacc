package dev.baton.process.os;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digest is of what the process runs: two copies of sleep that differ by one byte differ, and
 * replacing the file on disk (a package upgrade) does not change the digest of the running process.
 * Plain child processes: this test class has no reaper of its own.
 */
class RunningBinariesTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final java.util.function.Supplier<Path> NO_COMMAND = () -> null;

    @TempDir
    Path dir;

    @Test
    void eachProgramShowsTheDigestOfTheBinaryItRuns() throws Exception {
        Path sleep = Path.of("/bin/sleep").toRealPath();
        Path v1 = copy(sleep, "engine-1.1.0", new byte[0]);
        Path v1b = copy(sleep, "engine-1.1.0-rebuilt", new byte[] {0}); // one byte more: another build
        String digest1 = sha256(v1);
        String digest1b = sha256(v1b);
        Process a = new ProcessBuilder(v1.toString(), "300").start();
        Process b = new ProcessBuilder(v1b.toString(), "300").start();
        try (RunningBinaries binaries = new RunningBinaries()) {
            binaries.spawned("a", (int) a.pid(), NO_COMMAND);
            binaries.spawned("b", (int) b.pid(), NO_COMMAND);
            await().atMost(AWAIT).until(() -> binaries.snapshot().size() == 2);
            assertEquals(new RunningBinaries.Binary(v1.toString(), digest1), binaries.snapshot().get("a"));
            assertEquals(digest1b, binaries.snapshot().get("b").sha256());

            // An upgrade replaces the file: the running process still runs the old inode.
            Files.delete(v1);
            Files.copy(v1b, v1);
            Process c = new ProcessBuilder(v1.toString(), "300").start();
            try {
                binaries.spawned("a", (int) a.pid(), NO_COMMAND); // a restart of the old process's record: still the old build
                binaries.spawned("c", (int) c.pid(), NO_COMMAND);
                await().atMost(AWAIT).until(() -> binaries.snapshot().containsKey("c"));
                assertEquals(digest1b, binaries.snapshot().get("c").sha256(), "the new file is the other build");
                assertEquals(digest1, binaries.snapshot().get("a").sha256(), "what runs, not what is installed");
                assertTrue(binaries.snapshot().get("a").path().endsWith("(deleted)"), binaries.snapshot().get("a").path());
            } finally {
                c.destroyForcibly();
            }

            binaries.exited("b");
            await().atMost(AWAIT).until(() -> !binaries.snapshot().containsKey("b"));
            binaries.spawned("gone", Integer.MAX_VALUE - 1, NO_COMMAND); // no such process: nothing, no error
            binaries.spawned("probe", (int) a.pid(), NO_COMMAND);
            await().atMost(AWAIT).until(() -> binaries.snapshot().containsKey("probe"));
            assertFalse(binaries.snapshot().containsKey("gone"));
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
    }

    /**
     * Under cgroups a program starts as the shell that moves it into its cgroup ({@link
     * ProgramCgroups#JOIN}), then execs the command: the digest is the command's, never the shell's
     * (it was /usr/bin/dash's for every program). Here the shell's cgroup.procs is a FIFO, so it
     * stays the shell until the test reads it.
     */
    @Test
    void theCgroupJoiningShellIsWaitedOutNotHashed() throws Exception {
        Path engine = copy(Path.of("/bin/sleep").toRealPath(), "engine-in-cgroup", new byte[] {7});
        Path procs = dir.resolve("cgroup.procs");
        assertEquals(0, new ProcessBuilder("mkfifo", procs.toString()).start().waitFor());
        List<String> argv = new ArrayList<>(ProgramCgroups.JOIN);
        argv.addAll(List.of(procs.toString(), "", engine.toString(), "300"));
        Process p = new ProcessBuilder(argv).start();
        try (RunningBinaries binaries = new RunningBinaries()) {
            binaries.spawned("engine", (int) p.pid(), NO_COMMAND);
            await().during(Duration.ofMillis(300)).atMost(AWAIT).until(() -> binaries.snapshot().isEmpty());
            try (InputStream joined = Files.newInputStream(procs)) { // the shell's echo goes through: it execs
                assertEquals(p.pid() + "\n", new String(joined.readAllBytes()));
            }
            await().atMost(AWAIT).until(() -> binaries.snapshot().containsKey("engine"));
            assertEquals(new RunningBinaries.Binary(engine.toString(), sha256(engine)), binaries.snapshot().get("engine"));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Without CAP_SYS_PTRACE (the packaged unit's bounding set) another user's /proc/PID/exe cannot be
     * read: the file the command names is hashed instead. Run in a JVM started without the capability.
     */
    @Test
    void anotherUsersProgramIsHashedFromItsCommandWithoutPtrace() throws Exception {
        assumeTrue(Os.isRoot(), "needs root: the probe switches its child to user nobody");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path engine = copy(Path.of("/bin/sleep").toRealPath(), "engine-as-nobody", new byte[] {1, 2});
        Path command = copy(Path.of("/bin/sleep").toRealPath(), "engine-command", new byte[] {3}); // tells which was read
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process probe = new ProcessBuilder("setpriv", "--bounding-set=-sys_ptrace", "--inh-caps=-sys_ptrace", "--",
                java, "-cp", System.getProperty("java.class.path"), NoPtraceProbe.class.getName(), engine.toString(),
                command.toString())
                .redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes()).strip();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS));
        String last = out.substring(out.lastIndexOf('\n') + 1);
        assertEquals(command + " " + sha256(command), last, "the command's file, not /proc/PID/exe: " + out);
    }

    private Path copy(Path from, String name, byte[] extra) throws Exception {
        Path to = dir.resolve(name);
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        if (extra.length > 0) {
            Files.write(to, extra, java.nio.file.StandardOpenOption.APPEND);
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
