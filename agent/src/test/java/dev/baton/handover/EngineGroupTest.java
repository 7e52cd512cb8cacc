package dev.baton.handover;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.baton.handover.ChainflipLines.*;
import static dev.baton.handover.HandoverEvent.Kind.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineGroupTest {

    private static final String OLD = "chainflip-engine1.0";
    private static final String NEW = "chainflip-engine1.1";
    private static final String NEWER = "chainflip-engine1.2";

    private static Version v(String s) {
        return Version.parse(s);
    }

    /** 1.0 active, 1.1 installed and waiting: the state before every upgrade. */
    private static GroupHarness beforeUpgrade() {
        return GroupHarness.beforeUpgrade(OLD, NEW);
    }

    /**
     * Engines echo others' words (an RPC node's error, a peer's message) inside their own messages. Before,
     * one such line of the active engine idled it (its successor still waiting for a release not there),
     * and two of the waiting engine ("Starting ... v1.0.4", "Initialised ...") made it an active twin of
     * the old one, which was idled: either way no engine worked.
     */
    @Test
    void quotedEngineWordsIdleNoEngine() {
        GroupHarness h = beforeUpgrade();
        for (String[] line : new String[][] {
                {OLD, json("WARN", "RPC error from node: " + noLongerCompatibleMessage("1.0.3", "1.1.0"))},
                {OLD, json("WARN", "peer sent: " + waitingMessage("1.0.3", "1.1.0"))},
                {NEW, json("WARN", "peer sent: " + starting("1.0.4"))},
                {NEW, json("WARN", "peer sent: Initialised StateChainClient at block `1`")}}) {
            Recognition r = h.recognizer.recognize(line[1]);
            if (r != null) {
                h.record(h.group.onRecognition(line[0], r, h.now));
            }
        }
        assertTrue(h.actions.isEmpty(), () -> "acted on quoted words: " + h.actions);
        assertEquals(Role.ACTIVE, h.group.role(OLD).orElseThrow());
        assertEquals(Role.WAITING, h.group.role(NEW).orElseThrow());
        assertEquals(v("1.0.0"), h.group.view().release());
    }

    @Test
    void normalUpgrade() {
        GroupHarness h = beforeUpgrade();
        GroupView before = h.group.view();
        assertEquals(v("1.0.0"), before.release());
        assertEquals(v("1.0.3"), before.activeVersion());
        assertEquals(OLD, before.activeProgram());
        assertTrue(before.upgradeReady());
        assertEquals(v("1.1.0"), before.nextVersion());
        assertTrue(h.actions.isEmpty());

        // The upgrade: the old engine says it, the new one is waiting with a compatible version: hand over at once.
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), d.actions());
        assertEquals(List.of(RELEASE_CHANGED, ENGINE_SUPERSEDED, ENGINE_IDLED), h.eventKinds(d));
        assertEquals("chainflip: runtime upgraded to 1.1.0; chainflip-engine1.1 (1.1.0) is compatible and taking over; "
                + "idling chainflip-engine1.0 (1.0.3)", d.events().get(2).message());
        assertTrue(h.group.holdsBack(OLD));

        // What follows changes nothing: the old one's exit line and exit, the new one becoming active.
        assertTrue(h.line(OLD, exitingAfterUpgrade("1.0.3", "1.1.0")).actions().isEmpty());
        assertTrue(h.exit(OLD).isEmpty());
        Decision active = h.line(NEW, INITIALISED);
        assertTrue(active.actions().isEmpty());
        assertEquals(List.of(ENGINE_ACTIVE), h.eventKinds(active));

        GroupView after = h.group.view();
        assertEquals(v("1.1.0"), after.release());
        assertEquals(v("1.1.0"), after.activeVersion());
        assertFalse(after.upgradeReady());
        assertEquals(Role.IDLE, after.engines().get(0).role());
        assertEquals(Role.ACTIVE, after.engines().get(1).role());
        assertTrue(after.problems().isEmpty());
        assertEquals(1, h.actions.size());
    }

    @Test
    void theNewEngineActiveBeforeTheOldOneSpeaks() {
        GroupHarness h = beforeUpgrade();
        h.line(NEW, INITIALISED); // lines of two pipes can arrive in any order
        assertTrue(h.actions.isEmpty(), "an active engine is superseded only by its own word");
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), d.actions());
        assertEquals("chainflip: runtime upgraded to 1.1.0; chainflip-engine1.1 (1.1.0) is active; idling chainflip-engine1.0 (1.0.3)",
                d.events().get(d.events().size() - 1).message());
    }

    @Test
    void noNewerEngineAtUpgradeTime() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add(OLD, "1.0.3");
        h.bringUpActive(OLD, "1.0.3");
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertTrue(d.actions().isEmpty(), "the only engine is never idled");
        HandoverEvent error = d.events().get(d.events().size() - 1);
        assertEquals(NO_SUCCESSOR, error.kind());
        assertEquals(HandoverEvent.Severity.ERROR, error.kind().severity());
        assertEquals("chainflip: chainflip-engine1.0 (1.0.3) is superseded by release 1.1.0 and no engine compatible with it is "
                + "installed in group chainflip: install one (a program with engine_group = \"chainflip\", then baton reload); "
                + "keeping chainflip-engine1.0 as it is", error.message());
        assertEquals(1, h.group.view().problems().size());

        // It restarts and waits forever (idle mode of its own): said once, not every block.
        h.exit(OLD);
        h.start(OLD);
        for (int block = 0; block < 5; block++) {
            assertTrue(h.line(OLD, waiting("1.0.3", "1.1.0")).isEmpty());
        }
        assertFalse(h.group.holdsBack(OLD));

        // The operator installs 1.1: baton waits for it, then hands over.
        assertEquals(List.of(HANDOVER_PENDING), h.eventKinds(h.add(NEW, "1.1.0")));
        assertTrue(h.group.view().problems().isEmpty());
        h.start(NEW);
        Decision d2 = h.line(NEW, INITIALISED);
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), d2.actions());
    }

    @Test
    void newEngineStillSyncingAtUpgradeTime() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add(OLD, "1.0.3");
        h.add(NEW, "1.1.0");
        h.bringUpActive(OLD, "1.0.3");
        h.start(NEW);
        h.line(NEW, SYNCING);
        Decision d = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertTrue(d.actions().isEmpty());
        assertEquals(HANDOVER_PENDING, d.events().get(d.events().size() - 1).kind());
        assertTrue(d.events().get(d.events().size() - 1).message().contains("chainflip-engine1.1 (1.1.0) is syncing"));
        h.exit(OLD);
        h.start(OLD);
        assertTrue(h.line(OLD, waiting("1.0.3", "1.1.0")).isEmpty());
        assertTrue(h.line(NEW, SYNCING).isEmpty());
        Decision active = h.line(NEW, INITIALISED);
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), active.actions());
        assertEquals(List.of(ENGINE_ACTIVE, ENGINE_IDLED), h.eventKinds(active));
    }

    @Test
    void rollbackResumesTheIdledEngineOnceConfirmed() {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.exit(OLD);
        h.line(NEW, INITIALISED);
        h.actions.clear();

        // The chain goes back to 1.0: one line (and its exit line, same process) is not enough.
        Decision first = h.line(NEW, noLongerCompatible("1.1.0", "1.0.0"));
        assertTrue(first.actions().isEmpty());
        assertTrue(h.eventKinds(first).contains(AMBIGUOUS_LINE));
        assertEquals(v("1.0.0"), h.group.view().pendingRelease());
        assertTrue(h.line(NEW, exitingAfterUpgrade("1.1.0", "1.0.0")).actions().isEmpty());
        h.exit(NEW);
        h.start(NEW);
        // The same engine says it again after a restart: confirmed.
        Decision confirmed = h.line(NEW, waiting("1.1.0", "1.0.0"));
        assertEquals(List.of(new Action.Resume(OLD)), confirmed.actions());
        HandoverEvent rollback = confirmed.events().stream().filter(e -> e.kind() == ROLLBACK).findFirst().orElseThrow();
        assertEquals("chainflip: ROLLBACK: runtime release went back from 1.1.0 to 1.0.0; resuming chainflip-engine1.0 (1.0.3); "
                + "keeping chainflip-engine1.1 (1.1.0) running (it waits for its release)", rollback.message());
        assertEquals(HandoverEvent.Severity.WARN, rollback.kind().severity());
        assertFalse(h.group.holdsBack(OLD));
        assertFalse(h.group.holdsBack(NEW), "the newer engine keeps running: it tells the chain this host is ready");
        assertEquals(Role.WAITING, h.group.role(NEW).orElseThrow());

        // And forward again later: 1.1 waited all along and takes over at once.
        h.start(OLD);
        h.line(OLD, INITIALISED);
        h.actions.clear();
        Decision again = h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), again.actions());
    }

    @Test
    void aStaleOlderReleaseFromALaggingEngineIsNotActedOn() {
        GroupHarness h = beforeUpgrade();
        h.add(NEWER, "1.2.0");
        h.bringUpWaiting(NEWER, "1.2.0", "1.0.0");
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.line(NEW, INITIALISED);
        h.actions.clear();
        // 1.2 still reports 1.0 for a block or two, then the same again from a new process: 1.1 is active, so no.
        assertTrue(h.eventKinds(h.line(NEWER, waiting("1.2.0", "1.0.0"))).contains(AMBIGUOUS_LINE));
        h.exit(NEWER);
        h.start(NEWER);
        h.line(NEWER, waiting("1.2.0", "1.0.0"));
        assertTrue(h.actions.isEmpty());
        assertEquals(v("1.1.0"), h.group.view().release());
        // A report of the known release drops the candidate.
        h.line(NEWER, waiting("1.2.0", "1.1.0"));
        assertNull(h.group.view().pendingRelease());
    }

    @Test
    void threeVersionsInOneGroup() {
        GroupHarness h = beforeUpgrade();
        h.add(NEWER, "1.2.0");
        h.bringUpWaiting(NEWER, "1.2.0", "1.0.0");
        assertEquals(v("1.2.0"), h.group.view().nextVersion());

        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), h.line(OLD, noLongerCompatible("1.0.3", "1.1.0")).actions());
        h.line(NEWER, waiting("1.2.0", "1.1.0"));
        h.line(NEW, INITIALISED);
        assertTrue(h.group.view().upgradeReady());
        assertEquals(v("1.2.0"), h.group.view().nextVersion());

        Decision second = h.line(NEW, noLongerCompatible("1.1.0", "1.2.4"));
        assertEquals(List.of(new Action.Idle(NEW, IdleMode.STOP)), second.actions());
        h.line(NEWER, INITIALISED);
        GroupView view = h.group.view();
        assertEquals(List.of(Role.IDLE, Role.IDLE, Role.ACTIVE), view.engines().stream().map(GroupView.EngineView::role).toList());
        assertEquals(2, h.actions.size());
    }

    @Test
    void aReleaseSkippingAVersionIdlesBothOlderEngines() {
        GroupHarness h = beforeUpgrade();
        h.add(NEWER, "1.2.0");
        h.bringUpWaiting(NEWER, "1.2.0", "1.0.0");
        // 1.1 was waiting for 1.1, which will never come: it cannot serve 1.2 either. 1.2 takes over from both.
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP), new Action.Idle(NEW, IdleMode.STOP)),
                h.line(OLD, noLongerCompatible("1.0.3", "1.2.0")).actions());
        assertTrue(h.line(NEW, waiting("1.1.0", "1.2.0")).actions().isEmpty());
    }

    @Test
    void twoActiveEnginesOfTheSameReleaseKeepTheNewer() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("cfe13", "1.3.0");
        h.add("cfe13-patch", "1.3.1");
        h.bringUpActive("cfe13", "1.3.0");
        assertTrue(h.actions.isEmpty());
        h.start("cfe13-patch");
        h.line("cfe13-patch", starting("1.3.1"));
        Decision d = h.line("cfe13-patch", INITIALISED);
        assertEquals(List.of(new Action.Idle("cfe13", IdleMode.STOP)), d.actions(), "the older twin is idled, whichever spoke last");
        assertEquals("chainflip: cfe13 (1.3.0) and cfe13-patch (1.3.1) are both active (one validator identity must not run twice);"
                + " keeping cfe13-patch (1.3.1), the newer; idling cfe13 (1.3.0)", d.events().get(d.events().size() - 1).message());
        assertEquals(ENGINE_IDLED, d.events().get(d.events().size() - 1).kind());
        assertTrue(h.group.holdsBack("cfe13"));
        assertEquals(v("1.3.1"), h.group.view().activeVersion());
    }

    @Test
    void ofTwoActiveTwinsOfOneVersionTheOneActiveFirstStays() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("cfe-b", "1.3.0");
        h.add("cfe-a", "1.3.0", IdleMode.KEEP);
        h.bringUpActive("cfe-b", "1.3.0");
        h.bringUpActive("cfe-a", "1.3.0");
        assertEquals(List.of(new Action.Idle("cfe-a", IdleMode.KEEP)), h.actions,
                "the later one is idled, although its name sorts first, and in its own mode");
        assertEquals(Role.ACTIVE, h.group.view().engines().stream().filter(e -> e.program().equals("cfe-b")).findFirst().orElseThrow().role());
    }

    @Test
    void aRunnerThatCarriesTheNextVersionOutranksALoneEngineOfItsOldOne() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("cfe14", "1.4.2");
        h.add("chainflip-engine", null);
        h.bringUpActive("cfe14", "1.4.2"); // the lone 1.4 engine, active first
        h.start("chainflip-engine");
        h.line("chainflip-engine", RUNNER_RUNNING_OLD); // the runner: 1.4.2 now, 1.5.0 by itself at the upgrade
        Decision d = h.line("chainflip-engine", INITIALISED);
        assertEquals(List.of(new Action.Idle("cfe14", IdleMode.STOP)), d.actions());
        assertTrue(d.events().get(d.events().size() - 1).message().contains("keeping chainflip-engine (1.4.2), which carries 1.5.0"),
                d.events().toString());
    }

    @Test
    void activeEnginesOfDifferentReleasesOrOfUnknownVersionAreNotTwins() {
        GroupHarness h = beforeUpgrade();
        h.line(NEW, INITIALISED); // 1.1 and 1.0 serve different releases: the old one goes by its own word
        h.add("unversioned", null);
        h.start("unversioned");
        h.line("unversioned", INITIALISED);
        assertTrue(h.actions.isEmpty(), "nothing says these serve one release");
    }

    @Test
    void twoGroupsAreIndependent() {
        GroupHarness main = beforeUpgrade();
        GroupHarness test = new GroupHarness("chainflip-testnet");
        test.add("testnet-engine1.0", "1.0.3");
        test.add("testnet-engine1.1", "1.1.0");
        test.bringUpActive("testnet-engine1.0", "1.0.3");
        test.bringUpWaiting("testnet-engine1.1", "1.1.0", "1.0.0");

        main.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(1, main.actions.size());
        assertTrue(test.actions.isEmpty());
        assertEquals(v("1.0.0"), test.group.view().release());
        // A line of a program that is not in the group is ignored.
        assertTrue(test.line(OLD, noLongerCompatible("1.0.3", "1.1.0")).isEmpty());
    }

    @Test
    void doNotRestartHoldsRestartsAndRaisesAnError() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("chainflip-engine", null);
        h.start("chainflip-engine");
        h.line("chainflip-engine", RUNNER_RUNNING_OLD);
        GroupView ready = h.group.view();
        assertTrue(ready.upgradeReady());
        assertEquals(v("1.5.0"), ready.nextVersion());
        assertEquals(v("1.4.2"), ready.engines().get(0).version());

        Decision d = h.line("chainflip-engine", RUNNER_UPDATE_CFE);
        // The status says what the group error says: the line and the fix.
        assertEquals(List.of(new Action.HoldRestarts("chainflip-engine", h.group.view().problems().get(0))), d.actions());
        assertEquals(List.of(DO_NOT_RESTART), h.eventKinds(d));
        assertEquals(Role.ERROR, h.group.role("chainflip-engine").orElseThrow());
        assertTrue(h.group.holdsBack("chainflip-engine"));
        assertEquals(1, h.group.view().problems().size());
        assertTrue(h.group.view().problems().get(0).endsWith(": install the chainflip-engine package that carries an engine"
                + " compatible with the runtime (the newest release), then baton start chainflip-engine"), h.group.view().problems()::toString);
        assertTrue(h.line("chainflip-engine", RUNNER_UPDATE_CFE).isEmpty(), "said once");
        h.exit("chainflip-engine");
        assertTrue(h.group.holdsBack("chainflip-engine"));
        // An operator updated it and started it: the hold is over.
        h.start("chainflip-engine");
        assertFalse(h.group.holdsBack("chainflip-engine"));
        assertTrue(h.group.view().problems().isEmpty());
    }

    @Test
    void theRunnerHandsOverInsideOneProcess() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add("chainflip-engine", null);
        h.start("chainflip-engine");
        h.line("chainflip-engine", RUNNER_RUNNING_OLD);
        h.line("chainflip-engine", INITIALISED);
        // The old library hits the upgrade; the runner carries 1.5.0: no error, no idle.
        Decision d = h.line("chainflip-engine", noLongerCompatible("1.4.2", "1.5.0"));
        assertTrue(d.actions().isEmpty());
        assertFalse(h.eventKinds(d).contains(NO_SUCCESSOR));
        Decision switched = h.line("chainflip-engine", RUNNER_SWITCHING);
        assertEquals(List.of(HandoverEvent.Kind.ENGINE_SWITCHED), h.eventKinds(switched));
        assertEquals("chainflip: chainflip-engine switched from 1.4.2 to 1.5.0 inside its process (\"" + RUNNER_SWITCHING + "\")",
                switched.events().get(0).message());
        assertEquals(h.now, h.group.view().lastHandoverAt());
        h.line("chainflip-engine", INITIALISED);
        GroupView view = h.group.view();
        assertEquals(v("1.5.0"), view.activeVersion());
        // A restarted runner that names its version anew is no switch (the process is new)
        h.exit("chainflip-engine");
        h.start("chainflip-engine");
        assertFalse(h.eventKinds(h.line("chainflip-engine", RUNNER_SWITCHING)).contains(HandoverEvent.Kind.ENGINE_SWITCHED));
        assertTrue(view.problems().isEmpty());
        assertTrue(h.actions.isEmpty());
    }

    @Test
    void keepAndSignalModes() {
        GroupHarness keep = new GroupHarness("chainflip");
        keep.add(OLD, "1.0.3", IdleMode.KEEP);
        keep.add(NEW, "1.1.0");
        keep.bringUpActive(OLD, "1.0.3");
        keep.bringUpWaiting(NEW, "1.1.0", "1.0.0");
        Decision d = keep.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.KEEP)), d.actions());
        assertTrue(d.events().get(d.events().size() - 1).message().endsWith(
                "marking chainflip-engine1.0 (1.0.3) idle (on_superseded = \"keep\": it keeps running)"));
        assertFalse(keep.group.holdsBack(OLD), "kept engines run under their own restart policy");
        // It keeps running and waiting every block: stays IDLE, no more actions.
        keep.exit(OLD);
        keep.start(OLD);
        keep.line(OLD, waiting("1.0.3", "1.1.0"));
        assertEquals(Role.IDLE, keep.group.role(OLD).orElseThrow());
        assertEquals(1, keep.actions.size());

        GroupHarness signal = new GroupHarness("chainflip");
        signal.add(OLD, "1.0.3", IdleMode.parse("USR1"));
        signal.add(NEW, "1.1.0");
        signal.bringUpActive(OLD, "1.0.3");
        signal.bringUpWaiting(NEW, "1.1.0", "1.0.0");
        Decision s = signal.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.signal(10))), s.actions());
        assertTrue(s.events().get(s.events().size() - 1).message().endsWith("idling chainflip-engine1.0 (1.0.3) with SIGUSR1"));
        assertTrue(signal.group.holdsBack(OLD));
    }

    @Test
    void ambiguousLinesAreRecordedNotActedOn() {
        GroupHarness h = beforeUpgrade();
        Decision garbled = h.line(OLD, waiting("garbled", "1.1.0"));
        assertEquals(List.of(AMBIGUOUS_LINE), h.eventKinds(garbled));
        HandoverEvent again = h.line(OLD, waiting("garbled", "1.1.0")).events().get(0);
        assertEquals(2, again.count(), "the same ambiguity is counted, not added");
        assertEquals(1, h.group.history().stream().filter(e -> e.kind() == AMBIGUOUS_LINE).count());
        Decision contradictory = h.line(OLD, noLongerCompatible("1.0.3", "1.0.9"));
        assertEquals(List.of(AMBIGUOUS_LINE), h.eventKinds(contradictory));
        assertEquals(Role.ACTIVE, h.group.role(OLD).orElseThrow());
        assertEquals(v("1.0.0"), h.group.view().release());
        assertTrue(h.actions.isEmpty());
        assertTrue(IdleMode.parse(null) == IdleMode.STOP && IdleMode.parse(" keep ") == IdleMode.KEEP);
    }

    @Test
    void versionsAreLearnedFromTheEnginesOwnOutput() {
        GroupHarness h = new GroupHarness("chainflip");
        h.add(OLD, null);
        h.add(NEW, "1.1.0");
        h.start(OLD);
        assertNull(h.group.view().engines().get(0).version());
        h.line(OLD, starting("1.0.3"));
        assertEquals(v("1.0.3"), h.group.view().engines().get(0).version());
        h.start(NEW);
        Decision d = h.line(NEW, starting("1.1.2"));
        assertEquals(List.of(VERSION_LEARNED), h.eventKinds(d));
        assertEquals("chainflip: chainflip-engine1.1 runs version 1.1.2 (config declares 1.1.0)", d.events().get(0).message());
    }

    @Test
    void agentRestartedMidUpgrade() throws Exception {
        GroupHarness h = new GroupHarness("chainflip");
        h.add(OLD, "1.0.3");
        h.add(NEW, "1.1.0");
        h.bringUpActive(OLD, "1.0.3");
        h.start(NEW);
        h.line(NEW, SYNCING);
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0")); // pending: 1.1 still syncing
        assertTrue(h.actions.isEmpty());

        EngineGroup restored = roundTrip(h.group);
        GroupHarness after = new GroupHarness("chainflip");
        after.group = restored;
        after.now = h.now.plusSeconds(30);
        assertFalse(restored.holdsBack(OLD));
        assertEquals(Role.SUPERSEDED, restored.role(OLD).orElseThrow());
        assertEquals(Role.UNKNOWN, restored.role(NEW).orElseThrow(), "syncing was about the old process");
        Decision resumed = after.record(restored.reconcile(after.now));
        assertTrue(resumed.actions().isEmpty());
        assertEquals(List.of(HANDOVER_PENDING), after.eventKinds(resumed), "said again after the restart");
        after.start(OLD);
        after.line(OLD, waiting("1.0.3", "1.1.0"));
        after.start(NEW);
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), after.line(NEW, INITIALISED).actions());
        assertEquals(h.group.history().size(), restored.history().size() - after.events.size());
    }

    @Test
    void agentRestartedAfterTheUpgradeKeepsTheIdledEngineIdle() throws Exception {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.exit(OLD);
        h.line(NEW, INITIALISED);

        EngineGroup restored = roundTrip(h.group);
        assertTrue(restored.holdsBack(OLD), "the supervisor does not start the idled engine");
        assertFalse(restored.holdsBack(NEW));
        GroupHarness after = new GroupHarness("chainflip");
        after.group = restored;
        after.now = h.now.plusSeconds(60);
        assertTrue(restored.reconcile(after.now).isEmpty());
        after.start(NEW);
        after.line(NEW, starting("1.1.0"));
        after.line(NEW, INITIALISED);
        assertTrue(after.actions.isEmpty(), "no Resume for the idled engine, nothing for the active one");
        GroupView view = restored.view();
        assertEquals(v("1.1.0"), view.release());
        assertEquals(v("1.1.0"), view.activeVersion());
        assertEquals(h.group.view().lastHandoverAt(), view.lastHandoverAt());
        assertEquals(h.group.view().engines().get(0).idleSince(), view.engines().get(0).idleSince());
    }

    @Test
    void theUpgradeHappenedWhileTheAgentWasDown() throws Exception {
        EngineGroup restored = roundTrip(beforeUpgrade().group); // saved before the upgrade
        GroupHarness after = new GroupHarness("chainflip");
        after.group = restored;
        after.start(OLD);
        after.start(NEW);
        // The old one comes back into a chain already at 1.1: it waits with own < release. The new one
        // was WAITING before: that was its old process's word, it has not spoken yet.
        Decision d = after.line(OLD, waiting("1.0.3", "1.1.0"));
        assertEquals(List.of(), d.actions());
        assertEquals(HANDOVER_PENDING, d.events().get(d.events().size() - 1).kind());
        assertEquals(List.of(new Action.Idle(OLD, IdleMode.STOP)), after.line(NEW, INITIALISED).actions());
        assertEquals(1, after.actions.size());
    }

    @Test
    void aNewBinaryDeclaredWhileTheAgentWasDownStartsFresh() throws Exception {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        GroupSnapshot s = h.group.snapshot();
        // chainflip-engine1.0 now runs 1.2.0 (the operator reused the program for the next version)
        EngineGroup restored = EngineGroup.restore(s, Compatibility.MAJOR_MINOR,
                List.of(new EngineSpec(OLD, v("1.2.0"), IdleMode.STOP), new EngineSpec(NEW, v("1.1.0"), IdleMode.STOP)));
        assertFalse(restored.holdsBack(OLD));
        assertEquals(Role.UNKNOWN, restored.role(OLD).orElseThrow());
    }

    @Test
    void historyIsBoundedAndKeepsTheLastUpgrade() {
        GroupHarness h = beforeUpgrade();
        h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
        h.line(NEW, INITIALISED);
        List<HandoverEvent> upgrade = h.group.history().stream().filter(HandoverEvent::decisive).toList();
        assertEquals(List.of(RELEASE_CHANGED, RELEASE_CHANGED, ENGINE_IDLED), upgrade.stream().map(HandoverEvent::kind).toList());
        // Then 600 different claims (each repeated): the history stays bounded, the upgrade stays in it.
        for (int i = 0; i < 600; i++) {
            h.line(NEW, waiting("1.1." + i, "1.1.0"));
            h.line(NEW, waiting("1.1." + i, "1.1.0"));
        }
        assertEquals(EngineGroup.HISTORY_CAPACITY, h.group.history().size());
        assertTrue(h.group.history().containsAll(upgrade.subList(1, 3)), "the decisive events of the last upgrade stay");
        List<HandoverEvent> saved = h.group.snapshot().history();
        assertEquals(EngineGroup.SNAPSHOT_HISTORY, saved.size());
        assertTrue(saved.containsAll(upgrade.subList(1, 3)), "also in the saved history");
        HandoverEvent newest = saved.get(saved.size() - 1);
        assertEquals(h.events.get(h.events.size() - 1), newest);
        assertEquals(2, newest.count());
    }

    @Test
    void decisionsAreDeterministic() {
        GroupHarness a = beforeUpgrade();
        GroupHarness b = beforeUpgrade();
        for (GroupHarness h : List.of(a, b)) {
            h.line(OLD, noLongerCompatible("1.0.3", "1.1.0"));
            h.line(NEW, INITIALISED);
        }
        assertEquals(a.actions, b.actions);
        assertEquals(a.events, b.events);
        assertEquals(a.group.snapshot(), b.group.snapshot());
    }

    @Test
    void customProfileForANonChainflipEngine() throws Exception {
        Profile cosmos = ProfileReader.read("cosmos", ProfileReaderTest.profileNode(ProfileReaderTest.COSMOS_TOML, "cosmos")).profile();
        GroupHarness h = new GroupHarness("cosmos", cosmos);
        h.add("gaiad-v1", "v1.0.0");
        h.add("gaiad-v2", "v2.0.0");
        h.start("gaiad-v1");
        h.start("gaiad-v2");
        h.line("gaiad-v2", "INF binary v2.0.0 waiting for upgrade; chain runs v1.4.0 module=upgrade");
        h.line("gaiad-v1", "INF committed state app_hash=0xABC height=122 module=state");
        assertEquals(v("1.4.0"), h.group.view().release());
        assertTrue(h.group.view().upgradeReady());
        Decision d = h.line("gaiad-v1", "ERR UPGRADE \"v2\" NEEDED at height: 123: {} module=x/upgrade");
        assertEquals(List.of(new Action.Idle("gaiad-v1", IdleMode.STOP)), d.actions());
        assertEquals("cosmos: runtime upgraded to 2.0.0; gaiad-v2 (2.0.0) is compatible and taking over; idling gaiad-v1 (1.0.0)",
                d.events().get(d.events().size() - 1).message());
    }

    private static EngineGroup roundTrip(EngineGroup g) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(g.snapshot());
        GroupSnapshot back = json.readValue(text, GroupSnapshot.class);
        assertEquals(g.snapshot(), back);
        List<EngineSpec> specs = back.engines().stream()
                .map(e -> new EngineSpec(e.program(), e.declaredVersion(), IdleMode.STOP)).toList();
        return EngineGroup.restore(back, Compatibility.MAJOR_MINOR, specs);
    }
}
