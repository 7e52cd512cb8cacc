package dev.baton.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cosmovisor model with the built-in cosmos profile and x/upgrade's real lines: the next version
 * starts only after the old one halted for the upgrade and exited, never before, and an agent restart
 * at any point starts the right binary (cosmovisor #22731, #25861, #22167: too early, too late, never).
 */
class SequentialHandoverTest {
    static final Profile COSMOS = ProfileReader.builtIn("cosmos").orElseThrow();
    static final String HALT = "ERR UPGRADE \"v18\" NEEDED at height: 100: {\"binaries\":{}} module=x/upgrade";
    static final String TOO_EARLY = "panic: BINARY UPDATED BEFORE TRIGGER! UPGRADE \"v18\" - in binary but not executed on chain."
            + " Downgrade your binary";
    static final String COMMITTED = "INF committed state app_hash=AB12 height=99 module=state num_txs=0";

    private static GroupHarness gaia() {
        GroupHarness h = new GroupHarness("gaia", COSMOS);
        h.add("gaiad-v17", "17.0.0");
        h.add("gaiad-v18", "18.0.0");
        return h;
    }

    @Test
    void onlyTheOldestVersionRunsBeforeTheUpgrade() {
        GroupHarness h = gaia();
        assertFalse(h.group.holdsBack("gaiad-v17"));
        assertTrue(h.group.holdsBack("gaiad-v18"));
        assertTrue(h.group.holdWords("gaiad-v18").contains("waits for its upgrade"), h.group.holdWords("gaiad-v18"));
        h.start("gaiad-v17");
        h.line("gaiad-v17", COMMITTED);
        assertEquals(Role.ACTIVE, h.group.role("gaiad-v17").orElseThrow());
        assertEquals(Role.WAITING, h.group.role("gaiad-v18").orElseThrow());
        assertTrue(h.group.view().upgradeReady());
        assertTrue(h.actions.isEmpty(), h.actions::toString);
    }

    /**
     * Two upgrades registered ahead (v18 at the next height, v19 after it): the group's next version is
     * v18, the one that starts at the next halt (baton status "next", the API's and the metric's), and
     * v19 once v18 runs. It said 19.0.0 from the start.
     */
    @Test
    void theNextVersionIsTheOneTheNextHaltStarts() {
        GroupHarness h = gaia();
        h.add("gaiad-v19", "19.0.0");
        h.start("gaiad-v17");
        h.line("gaiad-v17", COMMITTED);
        assertEquals(Version.parse("18.0.0"), h.group.view().nextVersion());
        h.line("gaiad-v17", HALT);
        h.exit("gaiad-v17");
        h.start("gaiad-v18");
        h.line("gaiad-v18", COMMITTED);
        assertEquals(Version.parse("19.0.0"), h.group.view().nextVersion());
    }

    @Test
    void theNextVersionStartsOnlyAfterTheHaltAndTheExit() {
        GroupHarness h = gaia();
        h.start("gaiad-v17");
        h.line("gaiad-v17", COMMITTED);
        Decision halt = h.line("gaiad-v17", HALT);
        assertEquals(List.of(new Action.Idle("gaiad-v17", IdleMode.STOP)), halt.actions());
        assertEquals(List.of(HandoverEvent.Kind.ENGINE_IDLED), h.eventKinds(halt));
        assertTrue(h.group.holdsBack("gaiad-v17"));
        assertFalse(h.group.holdsBack("gaiad-v18")); // an agent restart now starts v18
        Decision exit = h.exit("gaiad-v17");
        assertEquals(List.of(new Action.Start("gaiad-v18")), exit.actions());
        assertTrue(h.eventKinds(exit).contains(HandoverEvent.Kind.SUCCESSOR_STARTED));
        h.start("gaiad-v18");
        h.line("gaiad-v18", COMMITTED);
        assertEquals(Role.ACTIVE, h.group.role("gaiad-v18").orElseThrow());
        assertEquals(Role.IDLE, h.group.role("gaiad-v17").orElseThrow());
        assertTrue(h.exit("gaiad-v18").actions().isEmpty()); // its own restarts are its policy's
        assertNotNull(h.group.view().lastHandoverAt());
    }

    @Test
    void aStartedTooEarlySuccessorIsHeldInErrorAndStillTakesOverAtTheUpgrade() {
        GroupHarness h = gaia();
        h.start("gaiad-v17");
        Decision override = h.start("gaiad-v18"); // an operator's start
        assertEquals(List.of(HandoverEvent.Kind.OPERATOR_OVERRIDE), h.eventKinds(override));
        Decision early = h.line("gaiad-v18", TOO_EARLY);
        assertEquals(List.of(HandoverEvent.Kind.DO_NOT_RESTART), h.eventKinds(early));
        assertTrue(early.actions().get(0) instanceof Action.HoldRestarts);
        h.exit("gaiad-v18");
        assertFalse(h.group.view().problems().isEmpty());
        h.line("gaiad-v17", HALT);
        Decision exit = h.exit("gaiad-v17");
        assertEquals(List.of(new Action.Start("gaiad-v18")), exit.actions());
        assertTrue(h.group.view().problems().isEmpty(), () -> h.group.view().problems().toString());
    }

    @Test
    void withoutASuccessorTheHaltedVersionIsHeldWithTheFixAndAReloadThatAddsOneStartsIt() {
        GroupHarness h = new GroupHarness("gaia", COSMOS);
        h.add("gaiad-v17", "17.0.0");
        h.start("gaiad-v17");
        Decision halt = h.line("gaiad-v17", HALT);
        assertEquals(List.of(HandoverEvent.Kind.NO_SUCCESSOR), h.eventKinds(halt));
        assertTrue(halt.events().get(0).message().contains("baton reload"), halt.events().get(0).message());
        assertTrue(h.group.holdsBack("gaiad-v17")); // not restarted into the same halt
        h.exit("gaiad-v17");
        Decision reload = h.add("gaiad-v18", "18.0.0");
        assertEquals(List.of(new Action.Start("gaiad-v18")), reload.actions());
        assertTrue(h.group.view().problems().isEmpty());
    }

    @Test
    void aSuccessorAnOperatorStoppedIsNotStartedAndTheGroupSaysSo() {
        GroupHarness h = gaia();
        h.start("gaiad-v17");
        h.down("gaiad-v18", ProcessDown.STOPPED_BY_OPERATOR);
        h.line("gaiad-v17", HALT);
        Decision exit = h.exit("gaiad-v17");
        assertTrue(exit.actions().isEmpty());
        assertEquals(List.of(HandoverEvent.Kind.SUCCESSOR_DOWN), h.eventKinds(exit));
        assertTrue(h.group.view().problems().get(0).contains("baton start gaiad-v18"));
    }

    @Test
    void aHaltLineFromAVersionThatIsNotTheRunningOneChangesNothing() {
        GroupHarness h = gaia();
        h.start("gaiad-v17");
        h.start("gaiad-v18");
        assertTrue(h.line("gaiad-v18", HALT).actions().isEmpty());
        assertEquals(Role.UNKNOWN, h.group.role("gaiad-v17").orElseThrow());
    }

    /** The agent restarted at every point of the upgrade: the right binary is the one not held. */
    @Test
    void anAgentRestartBeforeOrAfterTheSwitchStartsTheRightBinary() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<EngineSpec> specs = List.of(new EngineSpec("gaiad-v17", Version.parse("17.0.0"), IdleMode.STOP),
                new EngineSpec("gaiad-v18", Version.parse("18.0.0"), IdleMode.STOP));
        GroupHarness h = gaia();
        h.start("gaiad-v17");
        EngineGroup before = restored(json, h.group, specs);
        assertFalse(before.holdsBack("gaiad-v17")); // before the halt (or the halt not saved): v17 runs, halts again
        assertTrue(before.holdsBack("gaiad-v18"));

        h.line("gaiad-v17", HALT); // at the height, v17 not exited yet
        EngineGroup atHeight = restored(json, h.group, specs);
        assertTrue(atHeight.holdsBack("gaiad-v17"));
        assertFalse(atHeight.holdsBack("gaiad-v18"));

        h.exit("gaiad-v17");
        h.start("gaiad-v18");
        EngineGroup after = restored(json, h.group, specs);
        assertTrue(after.holdsBack("gaiad-v17"));
        assertFalse(after.holdsBack("gaiad-v18"));
        assertNull(after.holdWords("gaiad-v18"));
    }

    /** on_superseded = "keep" means nothing here: a halted version would only halt again, in a loop. */
    @Test
    void aHaltedVersionIsHeldWhateverItsOnSupersededAlsoAfterARestart() throws Exception {
        GroupHarness h = new GroupHarness("gaia", COSMOS);
        h.add("gaiad-v17", "17.0.0", IdleMode.KEEP);
        h.add("gaiad-v18", "18.0.0");
        h.start("gaiad-v17");
        assertEquals(List.of(new Action.Idle("gaiad-v17", IdleMode.STOP)), h.line("gaiad-v17", HALT).actions());
        List<EngineSpec> specs = List.of(new EngineSpec("gaiad-v17", Version.parse("17.0.0"), IdleMode.KEEP),
                new EngineSpec("gaiad-v18", Version.parse("18.0.0"), IdleMode.STOP));
        EngineGroup after = restored(new ObjectMapper(), h.group, specs);
        assertTrue(after.holdsBack("gaiad-v17"));
        assertTrue(after.holdWords("gaiad-v17").startsWith("idled: gaiad-v17 (17.0.0) halted for its upgrade"), after.holdWords("gaiad-v17"));
        assertFalse(after.holdsBack("gaiad-v18"));
    }

    /** With a pre-upgrade or backup command: the exit runs them, the next version waits for their success, durably. */
    @Test
    void upgradeStepsRunBetweenTheExitAndTheStartAndSurviveARestart() throws Exception {
        List<EngineSpec> specs = List.of(new EngineSpec("gaiad-v17", Version.parse("17.0.0"), IdleMode.STOP),
                new EngineSpec("gaiad-v18", Version.parse("18.0.0"), IdleMode.STOP));
        GroupHarness h = gaia();
        h.group.setUpgradeSteps(true);
        h.start("gaiad-v17");
        h.line("gaiad-v17", HALT);
        Decision exit = h.exit("gaiad-v17");
        assertEquals(List.of(new Action.RunUpgradeSteps("gaiad-v18")), exit.actions());
        assertEquals(List.of(HandoverEvent.Kind.UPGRADE_STEPS_STARTED), h.eventKinds(exit));
        assertTrue(h.group.holdsBack("gaiad-v18"));
        assertEquals("waits for the upgrade's pre-upgrade and backup commands", h.group.holdWords("gaiad-v18"));

        // the agent killed while they run: at its start they run again, the new version held meanwhile
        EngineGroup restarted = restored(new ObjectMapper(), h.group, specs);
        assertTrue(restarted.holdsBack("gaiad-v17") && restarted.holdsBack("gaiad-v18"));
        assertEquals(List.of(new Action.RunUpgradeSteps("gaiad-v18")), restarted.resumeUpgradeSteps(java.time.Instant.now()).actions());

        Decision failed = h.group.onUpgradeSteps("gaiad-v18", "the pre-upgrade command [/x] exited 30", java.time.Instant.now());
        assertTrue(failed.actions().isEmpty());
        assertEquals(List.of(HandoverEvent.Kind.UPGRADE_STEPS_FAILED), h.eventKinds(failed));
        assertTrue(h.group.holdsBack("gaiad-v18") && h.group.holdsBack("gaiad-v17"));
        assertTrue(h.group.view().problems().get(0).contains("exited 30"), h.group.view().problems()::toString);
        EngineGroup afterFailure = restored(new ObjectMapper(), h.group, specs);
        assertTrue(afterFailure.holdsBack("gaiad-v18"), "a failed upgrade stays failed across a restart");
        assertTrue(afterFailure.resumeUpgradeSteps(java.time.Instant.now()).actions().isEmpty(), "and is not run again");

        // the operator fixed it and starts the new version: the steps are over
        Decision override = h.start("gaiad-v18");
        assertTrue(h.eventKinds(override).contains(HandoverEvent.Kind.OPERATOR_OVERRIDE));
        assertTrue(h.group.view().problems().isEmpty(), h.group.view().problems()::toString);
        assertFalse(restored(new ObjectMapper(), h.group, specs).holdsBack("gaiad-v18"));
    }

    @Test
    void succeededUpgradeStepsStartTheNextVersion() {
        GroupHarness h = gaia();
        h.group.setUpgradeSteps(true);
        h.start("gaiad-v17");
        h.line("gaiad-v17", HALT);
        h.exit("gaiad-v17");
        Decision done = h.group.onUpgradeSteps("gaiad-v18", null, java.time.Instant.now());
        assertEquals(List.of(new Action.Start("gaiad-v18")), done.actions());
        assertEquals(List.of(HandoverEvent.Kind.SUCCESSOR_STARTED), h.eventKinds(done));
        assertFalse(h.group.holdsBack("gaiad-v18"));
        assertTrue(h.group.onUpgradeSteps("gaiad-v18", null, java.time.Instant.now()).actions().isEmpty(), "reported once");
    }

    @Test
    void stepsOfAVersionAReloadRemovedRunForTheNextOne() {
        GroupHarness h = gaia();
        h.add("gaiad-v19", "19.0.0");
        h.group.setUpgradeSteps(true);
        h.start("gaiad-v17");
        h.line("gaiad-v17", HALT);
        h.exit("gaiad-v17");
        h.group.onUpgradeSteps("gaiad-v18", "exited 30", java.time.Instant.now());
        Decision removed = h.group.onEngineRemoved("gaiad-v18", java.time.Instant.now()); // replaced by a fixed binary
        assertEquals(List.of(new Action.RunUpgradeSteps("gaiad-v19")), removed.actions());
        assertTrue(h.group.holdsBack("gaiad-v19"));
        assertTrue(h.group.view().problems().isEmpty(), h.group.view().problems()::toString);
        assertEquals(List.of(new Action.Start("gaiad-v19")),
                h.group.onUpgradeSteps("gaiad-v19", null, java.time.Instant.now()).actions());
    }

    private static EngineGroup restored(ObjectMapper json, EngineGroup g, List<EngineSpec> specs) throws Exception {
        GroupSnapshot s = json.readValue(json.writeValueAsString(g.snapshot()), GroupSnapshot.class);
        return EngineGroup.restore(s, COSMOS.compatibility(), COSMOS.handover(), specs);
    }

    @Test
    void anUpgradeRuleNeedsASequentialProfile() throws Exception {
        var node = new com.fasterxml.jackson.dataformat.toml.TomlMapper().readTree(
                "compatibility = \"major\"\n[[rules]]\nevent = \"upgrade_needed\"\ncontains = [\"NEEDED\"]\nregex = 'NEEDED'\n");
        ProfileReader.Result r = ProfileReader.read("mine", node);
        assertFalse(r.ok());
        assertEquals("profiles.mine.handover", r.problems().get(0).keyPath());
        assertTrue(r.problems().get(0).message().contains("handover = \"sequential\""));
    }
}
