package dev.baton.sim;

import dev.baton.handover.Action;
import dev.baton.handover.EventKind;
import dev.baton.handover.IdleMode;
import dev.baton.handover.Recognition;
import dev.baton.handover.Role;
import dev.baton.handover.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator in-process, its lines read by the built-in profile and decided on by a group. */
class EngineSimulatorTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private final SimulatedHost host = new SimulatedHost();

    @AfterEach
    void stop() {
        host.stopAll();
    }

    private Path release(String text) throws Exception {
        Path f = dir.resolve("release");
        Files.writeString(f.resolveSibling("release.tmp"), text + "\n");
        Files.move(f.resolveSibling("release.tmp"), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    @Test
    void runtimeUpgradeEndToEnd() throws Exception {
        Path file = release("1.0.0");
        int oldPort = SimulatedHost.freePort();
        int newPort = SimulatedHost.freePort();
        CompletableFuture<Integer> oldExit = host.start("chainflip-engine1.0", "1.0.3", file, oldPort, 0);
        CompletableFuture<Integer> newExit = host.start("chainflip-engine1.1", "1.1.0", file, newPort, 0);

        await().atMost(WAIT).until(() -> host.role("chainflip-engine1.0") == Role.ACTIVE
                && host.role("chainflip-engine1.1") == Role.WAITING);
        assertEquals("200 RUNNING", SimulatedHost.health(oldPort));
        assertNull(SimulatedHost.health(newPort), "a waiting engine binds no port");
        assertTrue(host.group.view().upgradeReady());

        release("1.1.0"); // the runtime upgrade
        await().atMost(WAIT).until(() -> host.actions().contains(new Action.Idle("chainflip-engine1.0", IdleMode.STOP)));
        assertEquals(0, oldExit.get(10, TimeUnit.SECONDS), "a superseded engine exits 0");
        await().atMost(WAIT).until(() -> host.role("chainflip-engine1.1") == Role.ACTIVE);
        await().atMost(WAIT).until(() -> "200 RUNNING".equals(SimulatedHost.health(newPort)));
        assertNull(SimulatedHost.health(oldPort));
        assertEquals(List.of(new Action.Idle("chainflip-engine1.0", IdleMode.STOP)), host.actions());
        assertEquals(Version.parse("1.1.0"), host.group.view().activeVersion());

        List<String> oldLines = host.lines("chainflip-engine1.0");
        Recognition last = SimulatedHost.CHAINFLIP.recognize(oldLines.get(oldLines.size() - 1));
        assertEquals(EventKind.NO_LONGER_COMPATIBLE, last.kind(), "the plain Exiting line carries the reason");
        assertTrue(oldLines.get(oldLines.size() - 1).startsWith("Exiting chainflip-engine due to error: This version '1.0.3'"));
        assertTrue(host.recognised().contains("chainflip-engine1.0 NO_LONGER_COMPATIBLE own=1.0.3 release=1.1.0"));
        assertTrue(host.recognised().contains("chainflip-engine1.1 WAITING own=1.1.0 release=1.0.0"));
        assertTrue(host.recognised().contains("chainflip-engine1.1 STARTED own=1.1.0 release=null"));
        assertTrue(!newExit.isDone());
    }

    @Test
    void aGarbledOrMissingReleaseFileKeepsTheLastValue() throws Exception {
        Path file = release("1.1.0");
        CompletableFuture<Integer> exit = host.start("e", "1.1.0", file, 0, 0);
        await().atMost(WAIT).until(() -> host.role("e") == Role.ACTIVE);
        release("not a version");
        await().atMost(WAIT).until(() -> host.lines("e").stream().anyMatch(l ->
                l.contains("\"level\":\"WARN\"") && l.contains("not a version") && l.contains("keeping 1.1.0")));
        Files.delete(file);
        await().atMost(WAIT).until(() -> host.lines("e").stream().anyMatch(l -> l.contains("NoSuchFileException")));
        release("1.1.7"); // a patch release: still compatible
        int before = host.lines("e").size();
        await().atMost(WAIT).until(() -> host.lines("e").size() > before + 3);
        assertTrue(!exit.isDone());
        release("1.2.0");
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
        assertEquals(Role.SUPERSEDED, host.role("e"), "alone in its group: superseded, not idled");
        assertTrue(host.actions().isEmpty());
    }

    @Test
    void syncPhaseThenIdleModeWhenStartedBehindTheRelease() throws Exception {
        Path file = release("1.1.0");
        int port = SimulatedHost.freePort();
        host.start("old", "1.0.3", file, port, 2);
        await().atMost(WAIT).until(() -> host.recognised().stream().filter(r -> r.equals("old WAITING own=1.0.3 release=1.1.0")).count() >= 5);
        List<String> recognised = host.recognised();
        assertEquals(List.of("old STARTED own=1.0.3 release=null", "old SYNCING own=null release=null",
                "old SYNCING own=null release=null"), recognised.subList(0, 3));
        assertEquals(Role.SUPERSEDED, host.role("old"));
        assertNull(SimulatedHost.health(port));
        // Only WAITING lines after the sync phase: it never becomes active.
        assertTrue(host.lines("old").stream().noneMatch(l -> l.contains("Initialised")));
    }

    @Test
    void everyLineIsEitherAnEventOrNoise() throws Exception {
        Path file = release("1.0.0");
        CompletableFuture<Integer> exit = host.start("e", "1.0.1", file, 0, 1);
        await().atMost(WAIT).until(() -> host.role("e") == Role.ACTIVE);
        await().atMost(WAIT).until(() -> host.lines("e").size() > 5);
        release("1.1.0");
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
        for (String line : host.lines("e")) {
            Recognition r = SimulatedHost.CHAINFLIP.recognize(line);
            boolean processing = line.contains("Processing block");
            assertEquals(processing, r == null, line);
        }
    }
}
