package dev.baton.handover;

import static dev.baton.handover.ChainflipLines.INITIALISED;
import static dev.baton.handover.ChainflipLines.RUNNER_UPDATE_CFE;
import static dev.baton.handover.ChainflipLines.noLongerCompatible;
import static dev.baton.handover.ChainflipLines.waiting;
import static dev.baton.handover.HandoverEvent.Kind.AMBIGUOUS_LINE;
import static dev.baton.handover.HandoverEvent.Kind.HANDOVER_PENDING;
import static dev.baton.handover.HandoverEvent.Kind.NO_SUCCESSOR;
import static dev.baton.handover.HandoverEvent.Kind.OPERATOR_OVERRIDE;
import static dev.baton.handover.HandoverEvent.Kind.RESUME_REFUSED;
import static dev.baton.handover.HandoverEvent.Kind.ROLLBACK;
import static dev.baton.handover.HandoverEvent.Kind.SUCCESSOR_DOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decisions behind docs/upgrade-day.md: operators' actions and a chain's odd moves, one rule each. */
class EngineGroupUpgradeDayTest {

    private static final String OLD = "cfe10";
    private static final String NEW = "cfe11";
    private static final String NEWER = "cfe12";

    /** 1.0 active, 1.1 installed and waiting. */
    private static GroupHarness beforeUpgrade() {
        return GroupHarness.beforeUpgrade(OLD, NEW);
    }

    /** After the upgrade to 1.1, the release goes back to 1.0: 1.1 says so, exits, is restarted and says it again. */
    private static Decision rollBack(GroupHarness h) {
        h.line(NEW, noLongerCompatible("1.1.0", "1.0.0"));
        h.exit(NEW);
        h.start(NEW);
        return h.line(NEW, waiting("1.1.0", "1.0.0"));
    }

    private static GroupHarness afterUpgrade() {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.down(OLD, ProcessDown.STOPPED);
        h.line(NEW, INITIALISED);
        assertEquals(Role.IDLE, h.group.role(OLD).orElseThrow());
        h.actions.clear();
        return h;
    }

    private static HandoverEvent last(Decision d) {
        return d.events().get(d.events().size() - 1);
    }

    @Test
    void aSuccessorThatDoesNotRunIsNoSuccessorAndTheGroupSaysWhatToDo() {
        for (ProcessDown why : List.of(ProcessDown.STOPPED_BY_OPERATOR, ProcessDown.RESTARTING, ProcessDown.GAVE_UP)) {
            GroupHarness h = beforeUpgrade();
            h.down(NEW, why);
            assertEquals(Role.UNKNOWN, h.group.role(NEW).orElseThrow(), "WAITING was its process's word: " + why);
            assertFalse(h.group.view().upgradeReady(), "nothing waits: " + why);
            Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
            assertEquals(List.of(), d.actions(), "the only engine that runs is never idled: " + why);
            assertEquals(SUCCESSOR_DOWN, last(d).kind());
            assertEquals(HandoverEvent.Severity.ERROR, last(d).kind().severity());
            assertTrue(last(d).message().contains("cfe11 (1.1.0) " + why.words(NEW)), last(d).message());
            assertEquals(1, h.group.view().problems().size(), "group.error is set: " + why);
            // Said once, not at every block of the old engine's waiting.
            h.exit(OLD);
            h.start(OLD);
            assertTrue(h.line(OLD, waiting("1.0.3", "1.1.0")).isEmpty());

            // The operator starts it; while it has said nothing the error stands, then it waits: hand over.
            h.start(NEW);
            assertEquals(1, h.group.view().problems().size());
            assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), h.line(NEW, INITIALISED).actions());
            assertTrue(h.group.view().problems().isEmpty());
        }
    }

    @Test
    void aSuccessorBeingStoppedIsNoSuccessor() {
        GroupHarness h = beforeUpgrade();
        h.stopping(NEW); // an operator's stop, still waiting for the process to end
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(Role.SUPERSEDED, h.group.role(OLD).orElseThrow(), "idled for a successor on its way out");
        assertTrue(d.actions().isEmpty(), d.actions().toString());
        assertEquals(SUCCESSOR_DOWN, last(d).kind());
        assertTrue(last(d).message().contains("cfe11 (1.1.0) is being stopped"), last(d).message());
        h.down(NEW, ProcessDown.STOPPED_BY_OPERATOR);
        h.start(NEW);
        h.line(NEW, INITIALISED);
        assertEquals(Role.IDLE, h.group.role(OLD).orElseThrow());
    }

    @Test
    void noCompatibleSuccessorAmongThreeEnginesIsAnErrorToo() {
        GroupHarness h = beforeUpgrade();
        h.add(NEWER, "1.3.0");
        h.bringUpWaiting(NEWER, "1.3.0", "1.0.0");
        // The release jumps to 1.2: 1.1 and 1.3 are installed, neither can serve it.
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.2.0"));
        assertEquals(List.of(), d.actions());
        assertTrue(h.eventKinds(d).contains(NO_SUCCESSOR));
        assertTrue(last(d).message().contains("engine_group = \"chainflip\""), last(d).message());
        assertEquals(2, h.group.view().problems().size(), "1.0 and 1.1 are both superseded without a successor");
    }

    /** The reason `baton start all` prints for a held engine carries its idle time as every baton time: three fraction digits. */
    @Test
    void theHoldReasonShowsTheIdleTimeWithThreeFractionDigits() {
        GroupHarness h = beforeUpgrade();
        h.now = Instant.parse("2026-11-21T18:03:34.340123456Z");
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.down(OLD, ProcessDown.STOPPED);
        h.line(NEW, INITIALISED);
        assertEquals(Role.IDLE, h.group.role(OLD).orElseThrow());
        String words = h.group.holdWords(OLD);
        assertTrue(words.matches(".*\\(idle since 2026-11-21T18:03:34\\.\\d{3}Z\\)"), words);
    }

    @Test
    void startingAHeldEngineByNameIsAnOverrideAndItIsIdledAgainWhenItSaysSo() {
        GroupHarness h = afterUpgrade();
        assertTrue(h.group.holdsBack(OLD));
        assertTrue(h.group.holdWords(OLD).startsWith("idled: cfe10 (1.0.3) is superseded by release 1.1.0"), h.group.holdWords(OLD));
        Decision d = h.start(OLD);
        assertEquals(List.of(OPERATOR_OVERRIDE), h.eventKinds(d));
        assertEquals(Role.UNKNOWN, h.group.role(OLD).orElseThrow(), "never IDLE while it runs");
        assertFalse(h.group.holdsBack(OLD));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), h.line(OLD, waiting("1.0.3", "1.1.0")).actions());
        assertEquals(Role.IDLE, h.group.role(OLD).orElseThrow());
        assertTrue(h.group.history().stream().anyMatch(e -> e.kind() == OPERATOR_OVERRIDE));
    }

    @Test
    void aDoNotRestartEngineStartedByNameIsHeldAgainWhenItSaysItAgain() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("cfe", null);
        h.start("cfe");
        h.line("cfe", RUNNER_UPDATE_CFE);
        h.exit("cfe");
        assertEquals(List.of(OPERATOR_OVERRIDE), h.eventKinds(h.start("cfe")));
        List<Action> again = h.line("cfe", RUNNER_UPDATE_CFE).actions();
        assertEquals(List.of(new Action.HoldRestarts("cfe", h.group.view().problems().get(0))), again);
    }

    @Test
    void anActiveEngineStoppedByHandIsNotActive() {
        GroupHarness h = beforeUpgrade();
        h.down(OLD, ProcessDown.STOPPED_BY_OPERATOR);
        assertEquals(Role.UNKNOWN, h.group.role(OLD).orElseThrow());
        assertNull(h.group.view().activeProgram());
        // A line read after the process ended changes no role.
        h.line(OLD, INITIALISED);
        assertNull(h.group.view().activeProgram());
    }

    @Test
    void rollbackResumesTheOldEngineAndKeepsTheNewOneRunning() {
        GroupHarness h = afterUpgrade();
        Decision d = rollBack(h);
        assertEquals(List.of(new Action.Resume(OLD)), d.actions());
        assertTrue(h.eventKinds(d).contains(ROLLBACK));
        assertEquals(Role.WAITING, h.group.role(NEW).orElseThrow());
        assertTrue(h.group.view().upgradeReady(), "the newer engine waits: ready for the retried upgrade");
    }

    @Test
    void rollbackNeverStartsWhatAnOperatorStopped() {
        GroupHarness h = afterUpgrade();
        h.down(OLD, ProcessDown.STOPPED_BY_OPERATOR); // stopped by hand after it was idled
        Decision d = rollBack(h);
        assertEquals(List.of(), d.actions());
        assertEquals(RESUME_REFUSED, last(d).kind());
        assertTrue(last(d).message().contains("baton start cfe10"), last(d).message());
        assertEquals(1, h.group.view().problems().size());
        // The operator starts it: it runs (an override of the idle), the error is gone.
        h.start(OLD);
        h.line(OLD, INITIALISED);
        assertTrue(h.group.view().problems().isEmpty());
        assertEquals(OLD, h.group.view().activeProgram());
    }

    @Test
    void anUnconfirmedOlderReleaseNeverDemotesTheActiveEngine() {
        GroupHarness h = afterUpgrade();
        h.add(NEWER, "1.2.0");
        h.bringUpWaiting(NEWER, "1.2.0", "1.1.0");
        // A blip: the active engine names 1.0 for a few blocks (its process goes on), then another one
        // does too while the active one still works: not confirmed either.
        for (int block = 0; block < 3; block++) {
            assertTrue(h.eventKinds(h.line(NEW, waiting("1.1.0", "1.0.0"))).contains(AMBIGUOUS_LINE));
        }
        h.line(NEWER, waiting("1.2.0", "1.0.0"));
        assertEquals(Role.ACTIVE, h.group.role(NEW).orElseThrow());
        assertEquals(Version.parse("1.1.0"), h.group.view().release());
        assertEquals(Version.parse("1.0.0"), h.group.view().pendingRelease());
        assertTrue(h.actions.isEmpty());
        // The newer release shows again: the candidate is gone, nothing had to be restored.
        h.line(NEWER, waiting("1.2.0", "1.1.0"));
        assertNull(h.group.view().pendingRelease());
        assertEquals(NEW, h.group.view().activeProgram());
        // One warning counted per claim, not one per block.
        assertEquals(3, h.group.history().stream().filter(e -> e.kind() == AMBIGUOUS_LINE && NEW.equals(e.program()))
                .findFirst().orElseThrow().count());
    }

    @Test
    void aBlipThatOutlivesARestartIsARollbackAndRecoversWhenTheReleaseComesBack() {
        GroupHarness h = afterUpgrade();
        // The same rule as a rollback: the active engine exits on the older release and says it again.
        assertEquals(List.of(new Action.Resume(OLD)), rollBack(h).actions());
        h.start(OLD);
        // 1.1 is back before 1.0 said anything: 1.1 works again, 1.0 is told the release and idled again.
        h.line(NEW, INITIALISED);
        assertEquals(NEW, h.group.view().activeProgram());
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), h.line(OLD, waiting("1.0.3", "1.1.0")).actions());
        assertEquals(Version.parse("1.1.0"), h.group.view().release());
        assertTrue(h.group.view().problems().isEmpty());
    }

    @Test
    void aPendingHandoverWaitsForAStartingSuccessorWithoutAnError() {
        GroupHarness h = beforeUpgrade();
        h.exit(NEW);
        h.start(NEW); // restarted by its policy, said nothing yet
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(HANDOVER_PENDING, last(d).kind());
        assertTrue(h.group.view().problems().isEmpty());
    }

    @Test
    void aRollbackWhileTheAgentWasDownResumesTheOldEngineOnTheNewEnginesFirstWords() {
        GroupHarness h = afterUpgrade();
        // The agent stops (its programs with it), the chain goes back to 1.0, the agent starts again:
        // 1.1 waits at every block in its one process, 1.0 is held. Its first words are a fresh look.
        h.group = EngineGroup.restore(h.group.snapshot(), Compatibility.MAJOR_MINOR, List.of(
                new EngineSpec(OLD, Version.parse("1.0.3"), IdleMode.STOP), new EngineSpec(NEW, Version.parse("1.1.0"), IdleMode.STOP)));
        h.start(NEW);
        h.line(NEW, ChainflipLines.starting("1.1.0"));
        Decision d = h.line(NEW, waiting("1.1.0", "1.0.0"));
        assertEquals(List.of(new Action.Resume(OLD)), d.actions());
        assertTrue(h.eventKinds(d).contains(ROLLBACK));
        assertEquals(Version.parse("1.0.0"), h.group.view().release());
        assertEquals(Role.WAITING, h.group.role(NEW).orElseThrow());
    }

    @Test
    void aRollbackWhileTheActiveEngineWasRestartingResumesTheOldEngine() {
        GroupHarness h = afterUpgrade();
        h.exit(NEW); // a crash, not the upgrade: it said nothing of 1.0 before it went
        h.start(NEW);
        assertEquals(List.of(new Action.Resume(OLD)), h.line(NEW, waiting("1.1.0", "1.0.0")).actions());
    }

    @Test
    void aWaitingLineOfTheNewEngineReadAfterTheUpgradeIsNoRollback() {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        // 1.1's line of the block before the upgrade arrives after 1.0's: its process is older than the release.
        Decision d = h.line(NEW, waiting("1.1.0", "1.0.0"));
        assertEquals(List.of(AMBIGUOUS_LINE), h.eventKinds(d));
        assertEquals(Version.parse("1.1.0"), h.group.view().release());
        // Once 1.1 worked, a restart of its own does not make its words a fresh look either: two lifetimes still are.
        h.line(NEW, INITIALISED);
        assertEquals(Role.IDLE, h.group.role(OLD).orElseThrow());
        assertEquals(List.of(AMBIGUOUS_LINE), h.eventKinds(h.line(NEW, noLongerCompatible("1.1.0", "1.0.0"))));
    }

    @Test
    void aRollbackUnderTheRunnerMakesTheOlderReleaseTheGroupsAndTheCarriedVersionReadyAgain() {
        String runner = "chainflip-engine";
        GroupHarness h = new GroupHarness("chainflip");
        h.add(runner, null);
        h.start(runner);
        h.line(runner, ChainflipLines.RUNNER_RUNNING_OLD);
        h.line(runner, INITIALISED);
        h.line(runner, noLongerCompatible("1.4.2", "1.5.0"));
        h.line(runner, ChainflipLines.RUNNER_SWITCHING);
        h.line(runner, INITIALISED);
        assertEquals(Version.parse("1.5.0"), h.group.view().release());
        // The chain goes back to 1.4: the new library exits, the restarted runner runs its old one and works.
        h.line(runner, noLongerCompatible("1.5.0", "1.4.0"));
        h.exit(runner);
        h.start(runner);
        h.line(runner, ChainflipLines.starting("1.5.0"));
        h.line(runner, ChainflipLines.RUNNER_RUNNING_OLD);
        h.line(runner, ChainflipLines.starting("1.4.2"));
        Decision d = h.line(runner, INITIALISED);
        assertTrue(h.eventKinds(d).contains(HandoverEvent.Kind.RELEASE_CHANGED), h.eventKinds(d).toString());
        GroupView view = h.group.view();
        assertEquals(Version.parse("1.4.0"), view.release());
        assertNull(view.pendingRelease());
        assertEquals(Version.parse("1.4.2"), view.activeVersion());
        assertTrue(view.upgradeReady(), "the runner carries 1.5.0 again, for the retried upgrade");
        assertEquals(Version.parse("1.5.0"), view.nextVersion());
        assertTrue(h.actions.isEmpty());
    }
}
