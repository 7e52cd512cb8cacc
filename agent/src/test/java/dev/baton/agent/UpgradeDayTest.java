package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.group;
import static dev.baton.agent.HandoverTest.role;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.state.StateFile;
import dev.baton.control.ActionResult;
import dev.baton.control.HandoverRecord;
import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's upgrade day, as a transcript against a real agent (docs/upgrade-day.md is its
 * table): group chainflip with three versions (1.0 active, 1.1 and 1.2 installed), group beta
 * beside it, and a 1.4+ runner that says "You need to update your CFE". The engines are shell
 * stand-ins printing Chainflip's real lines and exit codes (exit 0 after "no longer compatible"),
 * each reading the chain's release from a file. One agent for the whole day: the steps build on
 * each other as they do on a host.
 */
class UpgradeDayTest {
    @TempDir
    Path dir;

    private static final String BLOCK = "0.2";

    private Path release;
    private Path lagging;
    private Path betaRelease;

    private InProcessAgent agent() throws Exception {
        release = dir.resolve("release");
        lagging = dir.resolve("release-seen-by-cfe12");
        betaRelease = dir.resolve("release-beta");
        for (Path f : List.of(release, lagging, betaRelease)) {
            Files.writeString(f, "1.0.0\n");
        }
        Path cfe = Fixtures.engineScript(dir);
        // The 1.4+ runner after a runtime upgrade it has no library for: the line, then exit 0.
        Path runner = Fixtures.script(dir, "runner.sh", """
                echo 'Starting engine runner...'
                echo 'The new version has exited with exit status: ExitStatus { status_code: 2, at_block: 0 }'
                echo 'You need to update your CFE. The current version of the CFE you are running is not compatible with the latest runtime update.'
                exit 0""");
        return new InProcessAgent(dir).config("[groups.beta]\nprofile = \"chainflip\"\n[groups.runner]\nprofile = \"chainflip\"\n\n"
                + Fixtures.engine("cfe10", "chainflip", "1.0.3", cfe, release, BLOCK, null)
                + Fixtures.engine("cfe11", "chainflip", "1.1.0", cfe, release, BLOCK, null)
                + Fixtures.engine("cfe12", "chainflip", "1.2.0", cfe, lagging, BLOCK, null)
                + Fixtures.engine("b10", "beta", "1.0.0", cfe, betaRelease, BLOCK, null)
                + Fixtures.engine("b11", "beta", "1.1.0", cfe, betaRelease, BLOCK, null)
                + Fixtures.program("runner", Fixtures.argv(runner), "engine_group = \"runner\"", Fixtures.FAST_ENGINE)).start();
    }

    private static void setRelease(Path file, String version) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, version + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // never read half written
    }

    private static ActionResult act(java.util.concurrent.CompletableFuture<ActionResult> action) throws Exception {
        return action.get(60, TimeUnit.SECONDS);
    }

    private static List<HandoverRecord> history(InProcessAgent a) {
        return a.agent.handover().history(10_000);
    }

    /** How often it happened (repeats are one record, counted). */
    private static long count(InProcessAgent a, String kind, String program) {
        return history(a).stream().filter(r -> r.kind().equals(kind) && program.equals(r.program())).mapToInt(HandoverRecord::count).sum();
    }

    private static long records(InProcessAgent a, String kind, String program) {
        return history(a).stream().filter(r -> r.kind().equals(kind) && program.equals(r.program())).count();
    }

    private static String error(InProcessAgent a, String group) {
        return group(a, group).orElseThrow().error();
    }

    private List<String> unready(InProcessAgent a) {
        return a.agent.control().unready();
    }

    @Test
    void anUpgradeDay() throws Exception {
        try (InProcessAgent a = agent()) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING", "cfe12", "WAITING");
            awaitRoles(a, "beta", "b10", "ACTIVE", "b11", "WAITING");

            // 6. "You need to update your CFE": held at once, whatever reached the agent first, the line or
            // the exit; nine starts by name, nine holds, never a restart by the policy.
            awaitRoles(a, "runner", "runner", "ERROR");
            for (int i = 0; i < 9; i++) {
                a.awaitState("runner", ProcessState.EXITED);
                assertEquals(0, a.status("runner").restarts(), "try " + i + ": restarted by its policy");
                awaitRoles(a, "runner", "runner", "ERROR");
                assertTrue(error(a, "runner").contains("You need to update your CFE"), error(a, "runner"));
                assertTrue(error(a, "runner").endsWith(": install the chainflip-engine package that carries an engine compatible"
                        + " with the runtime (the newest release), then baton start runner"), error(a, "runner"));
                a.operatorStart("runner");
                await().atMost(Duration.ofSeconds(30)).until(() -> count(a, "OPERATOR_OVERRIDE", "runner") > 0);
            }
            // Held again by the last start's own line before the operator stops it: 'restart all' below skips it
            a.awaitState("runner", ProcessState.EXITED);
            awaitRoles(a, "runner", "runner", "ERROR");
            a.operatorStop("runner");

            // 2. The operator stopped the successor before the upgrade: nothing may be idled, the group is in error.
            a.operatorStop("cfe11");
            a.awaitState("cfe11", ProcessState.STOPPED);
            awaitRoles(a, "chainflip", "cfe11", "UNKNOWN");
            assertEquals(ProcessState.STOPPED, a.status("cfe11").state());
            setRelease(release, "1.1.0");
            setRelease(lagging, "1.1.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> error(a, "chainflip") != null);
            assertTrue(error(a, "chainflip").contains("cfe11 (1.1.0) was stopped by an operator: start it (baton start cfe11)"),
                    error(a, "chainflip"));
            assertFalse(role(a, "chainflip", "cfe10").equals("IDLE"), "idled with no successor running");
            assertTrue(unready(a).stream().anyMatch(r -> r.startsWith("engine group chainflip has no ACTIVE engine")), unready(a).toString());
            assertEquals("ACTIVE", role(a, "beta", "b10"), "the other group is not touched");

            // The operator starts 1.1: it works, 1.0 is idled, the error is gone.
            a.operatorStart("cfe11");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);
            await().atMost(Duration.ofSeconds(10)).until(() -> error(a, "chainflip") == null);

            // 1. restart all / start all leave the idled engine alone, and say so.
            ActionResult restarted = act(a.agent.control().restart("all"));
            assertTrue(restarted.ok(), restarted.message());
            assertEquals(List.of("cfe10", "runner"), restarted.skipped().stream().map(ActionResult.Skipped::program).toList());
            assertTrue(restarted.skipped().get(0).reason().contains("held by the chainflip handover (idled: cfe10 (1.0.3) is superseded by release 1.1.0"),
                    restarted.skipped().get(0).reason());
            assertTrue(restarted.message().contains("cfe10: skipped, held by the chainflip handover"), restarted.message());
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe12", "WAITING");
            ActionResult started = act(a.agent.control().start("all"));
            assertEquals(List.of("cfe10", "runner"), started.skipped().stream().map(ActionResult.Skipped::program).toList());
            assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
            assertEquals("IDLE", role(a, "chainflip", "cfe10"));
            assertEquals(0, count(a, "OPERATOR_OVERRIDE", "cfe10"));

            // ... while a start by name is an override, recorded; the engine says it is superseded and is idled again.
            a.operatorStart("cfe10");
            await().atMost(Duration.ofSeconds(30)).until(() -> count(a, "OPERATOR_OVERRIDE", "cfe10") == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(a, "ENGINE_IDLED", "cfe10") >= 2);
            a.awaitState("cfe10", ProcessState.STOPPED);
            assertEquals("IDLE", role(a, "chainflip", "cfe10"));

            // 4. A lagging engine repeats an older release every block: one warning, counted, and the
            // upgrade's own events stay in the saved history.
            setRelease(lagging, "1.0.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> history(a).stream().anyMatch(r -> r.kind().equals("AMBIGUOUS_LINE")
                    && "cfe12".equals(r.program()) && r.count() >= 5));
            assertEquals(1, records(a, "AMBIGUOUS_LINE", "cfe12"));
            assertEquals("ACTIVE", role(a, "chainflip", "cfe11"), "an unconfirmed older release demotes nothing");
            setRelease(lagging, "1.1.0");
            JsonNode saved = StateFile.JSON.readTree(dir.resolve("state/handover.json").toFile()).path("groups").path("chainflip");
            assertTrue(saved.path("history").toString().contains("ENGINE_IDLED"), "the upgrade is in the saved history");

            // 7. The ACTIVE engine stopped by hand is not ACTIVE, and the host is not ready.
            a.operatorStop("cfe11");
            a.awaitState("cfe11", ProcessState.STOPPED);
            assertEquals("UNKNOWN", role(a, "chainflip", "cfe11"));
            assertTrue(unready(a).stream().anyMatch(r -> r.startsWith("engine group chainflip has no ACTIVE engine")), unready(a).toString());
            a.operatorStart("cfe11");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE");

            // 5. A release blip that outlives a restart of 1.1 is a rollback by the same rule; when the
            // release is back, the roles come back by themselves.
            setRelease(release, "1.0.0");
            setRelease(lagging, "1.0.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> history(a).stream().anyMatch(r -> r.kind().equals("ROLLBACK")));
            setRelease(release, "1.1.0");
            setRelease(lagging, "1.1.0");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE", "cfe12", "WAITING");
            a.awaitState("cfe10", ProcessState.STOPPED);
            await().atMost(Duration.ofSeconds(10)).until(() -> "1.1.0".equals(group(a, "chainflip").orElseThrow().release()));

            // 3. A real rollback: 1.0 is resumed, 1.1 keeps running and waits, 1.2 (stopped by the
            // operator meanwhile) stays stopped.
            a.operatorStop("cfe12");
            a.awaitState("cfe12", ProcessState.STOPPED);
            setRelease(release, "1.0.0");
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            assertEquals(ProcessState.RUNNING, a.status("cfe11").state());
            assertNull(a.status("cfe11").hold());
            assertEquals(ProcessState.STOPPED, a.status("cfe12").state(), "what the operator stopped stays stopped");
            assertTrue(group(a, "chainflip").orElseThrow().upgradeReady(), "1.1 waits: ready for the retried upgrade");
            assertNull(error(a, "chainflip"));

            // Two groups: beta upgrades on its own all the while.
            setRelease(betaRelease, "1.1.0");
            awaitRoles(a, "beta", "b11", "ACTIVE", "b10", "IDLE");
            assertEquals("ACTIVE", role(a, "chainflip", "cfe10"));
            assertEquals(0, a.stop());
        }
    }
}
