package dev.baton.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.state.ProgramsState;
import dev.baton.agent.state.StateDirectory;
import dev.baton.agent.state.StateFile;
import dev.baton.config.ConfigFilePermissions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory as an attacker (user nobody, its own process) or Murphy leaves it: owned by
 * someone else, open to everyone, a link planted at a temp file's name, a planted token, a FIFO or
 * a huge file as state, garbage as the agent id. The agent refuses what it cannot trust, never
 * writes through a link, and never blocks on a read.
 */
class StateTrustTest {
    private static final int NOBODY = Fixtures.NOBODY;
    private static final Duration NEVER_BLOCKS = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static boolean root() {
        return ConfigFilePermissions.effectiveUid() == 0;
    }

    private static String refusal(Path state) {
        try (StateDirectory d = StateDirectory.open(state)) {
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    @Test
    void aStateDirectoryOthersControlOrPlantedInIsRefused() throws Exception {
        assumeTrue(root(), "the owner checks need root (chown, and a user to plant files)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = dir.resolve("state");
        assertNull(refusal(state), "created by the agent: 0750, root's");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));

        Files.setAttribute(state, "unix:uid", NOBODY);
        String msg = refusal(state);
        assertTrue(msg != null && msg.contains("cannot be trusted") && msg.contains("owned by uid 65534"), msg);
        Files.setAttribute(state, "unix:uid", 0);

        // Open to everyone for a while: nobody plants a link at the temp file's name, and a token of its own.
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        msg = refusal(state);
        assertTrue(msg != null && msg.contains("writable by every user (mode 0777)"), msg);
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "root's own\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        Fixtures.asNobody("ln", "-s", victim.toString(), state.resolve("programs.json.tmp").toString());
        Fixtures.asNobody("sh", "-c", "echo planted-token > " + state.resolve("api.token"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-x---"));
        msg = refusal(state);
        assertTrue(msg != null && (msg.contains("holds programs.json.tmp, which is a symbolic link")
                || msg.contains("holds api.token, which is owned by uid 65534")) && msg.contains("rm "), msg);
        Files.delete(state.resolve("programs.json.tmp"));
        msg = refusal(state);
        assertTrue(msg != null && msg.contains("holds api.token, which is owned by uid 65534"), msg);
        Files.delete(state.resolve("api.token"));
        assertNull(refusal(state));
        assertEquals("root's own\n", Files.readString(victim));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)));
    }

    @Test
    void aLinkAtATempFileNameIsReplacedNeverWrittenThrough() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "not baton's\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(state.resolve("programs.json.tmp"), victim);
        Files.createSymbolicLink(state.resolve("programs.json.last-good.tmp"), victim);
        StateFile<ProgramsState> file = new StateFile<>(state, "programs.json", ProgramsState.class);
        assertTrue(file.save(ProgramsState.empty(), true), String.valueOf(file.problem()));
        assertEquals("not baton's\n", Files.readString(victim));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)), "never chmodded");
        assertFalse(Files.isSymbolicLink(state.resolve("programs.json")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("programs.json"))));
        assertFalse(Files.exists(state.resolve("programs.json.tmp"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aFifoOrHugeStateFileIsReportedWithoutBlocking() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path json = state.resolve("programs.json");
        mkfifo(json);
        StateFile<ProgramsState> file = new StateFile<>(state, "programs.json", ProgramsState.class);
        assertTimeoutPreemptively(NEVER_BLOCKS, () -> assertTrue(file.load().isEmpty()));
        assertTrue(file.problem().contains("not a regular file"), file.problem());
        assertNotNull(file.lost(), "no last good copy: the state it held is lost");

        try (RandomAccessFile huge = new RandomAccessFile(json.toFile(), "rw")) {
            huge.setLength(StateFile.MAX_BYTES + 1); // sparse: costs no disk
        }
        Files.writeString(state.resolve("programs.json.last-good"),
                "{\"version\":1,\"programs\":{\"manual\":{\"desired\":\"stopped\",\"pid\":0,\"startTime\":0}}}");
        StateFile<ProgramsState> again = new StateFile<>(state, "programs.json", ProgramsState.class);
        ProgramsState loaded = assertTimeoutPreemptively(NEVER_BLOCKS, () -> again.load().orElseThrow());
        assertEquals("stopped", loaded.programs().get("manual").desired(), "the last good copy is used");
        assertTrue(again.problem().contains("more than any state file"), again.problem());
        assertNull(again.lost());
    }

    @Test
    void aDamagedAgentIdIsRefusedWithWhatToDoAndAnEmptyOneIsReplaced() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path id = state.resolve("agent.id");
        Files.write(id, "not\u001b[31m-an-id\n".getBytes(StandardCharsets.UTF_8));
        String msg = refusal(state);
        assertTrue(msg != null && msg.contains("does not hold an agent id") && msg.contains("not\\x1b[31m-an-id")
                && msg.contains("rm " + id), msg);
        Files.delete(id);
        mkfifo(id);
        msg = assertTimeoutPreemptively(NEVER_BLOCKS, () -> refusal(state));
        assertTrue(msg != null && msg.contains("no regular file"), msg);
        Files.delete(id);
        try (RandomAccessFile huge = new RandomAccessFile(id.toFile(), "rw")) {
            huge.setLength(1L << 30);
        }
        msg = assertTimeoutPreemptively(NEVER_BLOCKS, () -> refusal(state));
        assertTrue(msg != null && msg.contains("1073741824 bytes"), msg);
        Files.write(id, new byte[0]); // a first start that crashed before anything was spawned
        try (StateDirectory d = StateDirectory.open(state)) {
            assertTrue(d.agentId().matches("[0-9a-f]{16}"));
            assertEquals(d.agentId() + "\n", Files.readString(id));
        }
        assertThrows(IOException.class, () -> {
            try (StateDirectory first = StateDirectory.open(state); StateDirectory second = StateDirectory.open(state)) {
                assertNotNull(second);
            }
        }, "still one agent per state directory");
    }

    private static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0);
    }
}
