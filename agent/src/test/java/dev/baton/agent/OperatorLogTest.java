package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.agent.state.StateFile;
import dev.baton.agent.state.StateWriter;
import dev.baton.control.HandoverRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators' actions saved in the state directory, on real files: a new log (the agent's next
 * start) has them, in order, bounded; a damaged file is a note in the history, not the agent's end.
 */
class OperatorLogTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** An agent run's log: {@code body} records, then everything is written (as at a shutdown or before a kill). */
    private List<HandoverRecord> run(java.util.function.Consumer<OperatorLog> body) {
        try (StateWriter writer = new StateWriter()) {
            OperatorLog log = new OperatorLog(new StateFile<>(dir, OperatorLog.FILE, OperatorLog.Saved.class), writer);
            body.accept(log);
            assertTrue(writer.flush(LIMIT));
            return log.all();
        }
    }

    private static String line(HandoverRecord r) {
        return r.kind() + " | " + r.actor() + " | " + r.message() + " | " + r.program();
    }

    @Test
    void actionsSurviveANewStartInOrderWithWhoWhatAndWhen() {
        List<HandoverRecord> first = run(log -> {
            log.record("root", "stop", "cfe");
            log.record("token", "reload", null);
            log.record("alice", "signal SIGHUP", "web");
        });
        List<HandoverRecord> again = run(log -> { });
        assertEquals(first, again);
        assertEquals(List.of("OPERATOR_ACTION | root | root: stop cfe | cfe", "OPERATOR_ACTION | token | token: reload | null",
                "OPERATOR_ACTION | alice | alice: signal SIGHUP web | web"), again.stream().map(OperatorLogTest::line).toList());
        assertTrue(!again.get(0).time().isAfter(again.get(2).time()));
        // The file is the agent's own: rw-r----- like the other state files.
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                uncheckedPermissions(dir.resolve(OperatorLog.FILE))));
    }

    @Test
    void onlyTheNewestAreKept() {
        run(log -> {
            for (int i = 0; i < OperatorLog.KEPT + 10; i++) {
                log.record("root", "restart", "p" + i);
            }
        });
        List<HandoverRecord> again = run(log -> { });
        assertEquals(OperatorLog.KEPT, again.size());
        assertEquals("p10", again.get(0).program());
        assertEquals("p" + (OperatorLog.KEPT + 9), again.get(OperatorLog.KEPT - 1).program());
    }

    @Test
    void aDamagedFileFallsBackToItsLastGoodCopyAndSaysSo() throws Exception {
        run(log -> log.record("root", "stop", "cfe"));
        Files.writeString(dir.resolve(OperatorLog.FILE), "{\"version\":1,\"actions\":[{\"time\":\"2026-");

        List<HandoverRecord> again = run(log -> log.record("bob", "start", "cfe"));
        assertEquals(3, again.size(), again.toString());
        assertEquals("OPERATOR_ACTION | root | root: stop cfe | cfe", line(again.get(0)));
        assertEquals(OperatorLog.DAMAGED_KIND, again.get(1).kind());
        assertNull(again.get(1).actor());
        assertTrue(again.get(1).message().contains("using the last good copy"), again.get(1).message());
        assertEquals("OPERATOR_ACTION | bob | bob: start cfe | cfe", line(again.get(2)));
        // The note and what came after are saved like any action.
        assertEquals(again, run(log -> { }));
    }

    @Test
    void aFileAndLastGoodCopyBothDamagedAreReportedAndTheAgentGoesOn() throws Exception {
        run(log -> log.record("root", "stop", "cfe"));
        Files.writeString(dir.resolve(OperatorLog.FILE), "garbage");
        Files.writeString(dir.resolve(OperatorLog.FILE + ".last-good"), "{\"version\":1,\"actions\":[{\"what\":\"x\"}]}");

        List<HandoverRecord> again = run(log -> log.record("bob", "start", "cfe"));
        assertEquals(2, again.size(), again.toString());
        assertEquals(OperatorLog.DAMAGED_KIND, again.get(0).kind());
        assertTrue(again.get(0).message().contains("is lost"), again.get(0).message());
        assertEquals("OPERATOR_ACTION | bob | bob: start cfe | cfe", line(again.get(1)));
        assertEquals(again, run(log -> { }));
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> uncheckedPermissions(Path p) {
        try {
            return Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
