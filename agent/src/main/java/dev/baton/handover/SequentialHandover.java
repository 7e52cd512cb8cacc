package dev.baton.handover;

import java.util.Collection;
import java.util.Comparator;

/**
 * The decisions of a {@link HandoverModel#SEQUENTIAL} group (the cosmovisor model): one version runs
 * at a time, the oldest engine not idled. Every other engine is held (not started: a new binary
 * started before the upgrade height refuses to run). When the running engine says the upgrade is
 * needed it is idled (stopped, whatever its {@code on_superseded}); once its process is gone, the next
 * version is started.
 *
 * <p>Durable by construction: the only state that matters is which engines are IDLE, and that is
 * saved with the group. An agent restarted after the switch starts the new binary (the old one is
 * IDLE); one restarted before the switch was saved starts the old binary again, which halts again
 * at the same height and says so again (x/upgrade does), so the switch is derived again. Nothing
 * is started early: the next version starts only after the old one said the upgrade is needed and
 * exited.
 */
final class SequentialHandover {
    private final EngineGroup group;
    /** The engine that halted for an upgrade in this agent's life and whose successor is not started yet, or null. */
    private Engine halted;
    /** The halt's words: {@code UPGRADE "v18" NEEDED at height: 100}. */
    private String upgrade;
    /** The group has a pre-upgrade or backup command: the next version starts only after they succeed. */
    private boolean steps;
    /** The upgrade whose steps have not succeeded yet (saved with the group), or null. */
    private GroupSnapshot.PendingSteps pending;

    SequentialHandover(EngineGroup group) {
        this.group = group;
    }

    void hasUpgradeSteps(boolean steps) {
        this.steps = steps;
    }

    GroupSnapshot.PendingSteps pending() {
        return pending;
    }

    void restorePending(GroupSnapshot.PendingSteps saved) {
        pending = saved;
    }

    /** At agent start: steps saved as pending were interrupted (the agent died while they ran): run them again. */
    void resumeSteps(EngineGroup.Changes c) {
        if (pending != null && !pending.failed()) {
            c.actions.add(new Action.RunUpgradeSteps(pending.successor()));
            c.event(HandoverEvent.Kind.UPGRADE_STEPS_STARTED, null, group.name() + ": the upgrade's steps (\"" + pending.upgrade()
                    + "\") did not finish before the agent stopped: running them again before " + pending.successor() + " starts");
        }
    }

    /** The steps' outcome: null when they succeeded (the next version starts), else the error with its fix. */
    void stepsDone(String program, String failure, EngineGroup.Changes c, Collection<Engine> engines) {
        Engine next = engines.stream().filter(e -> e.program.equals(program)).findFirst().orElse(null);
        if (pending == null || pending.failed() || !pending.successor().equals(program) || next == null) {
            return; // an operator started it meanwhile, or a reload removed it
        }
        if (failure != null) {
            pending = new GroupSnapshot.PendingSteps(program, pending.upgrade(), true);
            next.problem = "the upgrade (\"" + pending.upgrade() + "\") is stopped before " + next.label() + " starts: " + failure;
            c.event(HandoverEvent.Kind.UPGRADE_STEPS_FAILED, next, group.name() + ": " + next.problem + "; the old version stays"
                    + " stopped; fix what the command reports, then baton start " + program + " (the steps are not run again)");
            return;
        }
        String words = pending.upgrade();
        pending = null;
        next.problem = null;
        c.actions.add(new Action.Start(program));
        c.event(HandoverEvent.Kind.SUCCESSOR_STARTED, next, group.name() + ": the upgrade's steps succeeded (\"" + words
                + "\"); starting " + next.label());
    }

    /** An operator started the version whose steps are pending or failed: the steps are over, it runs. */
    void processStarted(Engine e, EngineGroup.Changes c) {
        if (e.problem != null && e.problem.startsWith(CANNOT_START)) {
            e.problem = null; // its binary is there now
        }
        if (pending != null && pending.successor().equals(e.program)) {
            c.event(HandoverEvent.Kind.OPERATOR_OVERRIDE, e, group.name() + ": " + e.label() + " was started by an operator"
                    + (pending.failed() ? " after its upgrade steps failed" : " while its upgrade steps ran") + "; they are not run again");
            pending = null;
            e.problem = null;
        }
    }

    /** The engine that should run: the oldest one neither idled nor in error (versions are declared: config checks it). */
    static Engine current(Collection<Engine> engines) {
        return engines.stream().filter(e -> !e.idleOrError())
                .min(Comparator.comparing(Engine::version, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(e -> e.program))
                .orElse(null);
    }

    /** True for an engine that waits for its upgrade: not the current one, not idled or in error. */
    boolean waitsForUpgrade(Engine e, Collection<Engine> engines) {
        return !e.idleOrError() && current(engines) != e;
    }

    /**
     * True for an engine that must not be started: one waiting for its upgrade, and one that halted
     * for an upgrade (IDLE, whatever its {@code on_superseded}: it would only halt again).
     */
    boolean holds(Engine e, Collection<Engine> engines) {
        return e.role == Role.IDLE || waitsForUpgrade(e, engines) || (pending != null && pending.successor().equals(e.program));
    }

    String holdWords(Engine e, Collection<Engine> engines) {
        Engine cur = current(engines);
        if (pending != null && pending.successor().equals(e.program)) {
            return pending.failed() ? e.problem : "waits for the upgrade's pre-upgrade and backup commands";
        }
        if (e.role == Role.IDLE) {
            return "idled: " + e.label() + " halted for its upgrade" + (cur == null ? "" : "; " + cur.label() + " is the running version");
        }
        return "waits for its upgrade: " + e.program + " starts when " + (cur == null ? "the running version" : cur.label())
                + " halts at the upgrade height and has exited";
    }

    /** The running engine says the chain halted for an upgrade it does not carry: idle it, the next version follows its exit. */
    void upgradeNeeded(Engine e, Recognition r, EngineGroup.Changes c, Collection<Engine> engines) {
        if (e.idleOrError() || current(engines) != e) {
            return; // an engine that is not the running version: nothing of it is the chain's word
        }
        halted = e;
        upgrade = r.message();
        Engine next = successor(e, engines);
        group.idle(e, IdleMode.STOP, c);
        if (next == null) {
            e.problem = e.label() + " halted for the upgrade (\"" + upgrade + "\") and no newer version is installed in group "
                    + group.name();
            c.event(HandoverEvent.Kind.NO_SUCCESSOR, e, group.name() + ": " + e.problem + ": install the upgrade's binary as a program"
                    + " with engine_group = \"" + group.name() + "\" and a newer version, then baton reload; " + e.program
                    + " is held (restarting it would halt again at the same height)");
        } else {
            c.event(HandoverEvent.Kind.ENGINE_IDLED, e, group.name() + ": " + e.label() + " halted for the upgrade (\"" + upgrade
                    + "\"); " + next.label() + " starts once " + e.program + " has exited");
        }
    }

    /**
     * A version started before its upgrade refused to run (BINARY UPDATED BEFORE TRIGGER): an error, its
     * restarts held; it stays the next version and is started at the upgrade.
     */
    void startedTooEarly(Engine e, Recognition r, EngineGroup.Changes c) {
        e.problem = e.label() + " was started before its upgrade and refuses to run (\"" + r.message() + "\")";
        c.actions.add(new Action.HoldRestarts(e.program, e.problem));
        c.event(HandoverEvent.Kind.DO_NOT_RESTART, e, group.name() + ": " + e.problem + ": restarts held; nothing to do:"
                + " baton starts it when the running version halts for its upgrade");
    }

    /** After every input: keeps the waiting roles right and starts the next version once the halted one is gone. */
    void reconcile(EngineGroup.Changes c, Collection<Engine> engines) {
        Engine cur = current(engines);
        for (Engine e : engines) {
            if (e != cur && !e.running && !e.idleOrError() && e.role != Role.WAITING) {
                group.setRole(e, Role.WAITING, c); // held back until its upgrade: ready for it
            }
            if (e.role == Role.IDLE && e.problem != null && cur != null && newer(cur, e)) {
                e.problem = null; // the missing successor is installed now
            }
        }
        if (pending != null && engines.stream().noneMatch(e -> e.program.equals(pending.successor()))) {
            // A reload removed the version they were for (replaced by a fixed binary, say): run them for the next one
            String words = pending.upgrade();
            pending = null;
            if (cur != null && !cur.running) {
                pending = new GroupSnapshot.PendingSteps(cur.program, words, false);
                c.actions.add(new Action.RunUpgradeSteps(cur.program));
                c.event(HandoverEvent.Kind.UPGRADE_STEPS_STARTED, cur, group.name() + ": the version the upgrade's steps (\"" + words
                        + "\") were for is gone: running them before " + cur.label() + " starts");
            }
        }
        successorCannotStart(cur, engines, c);
        if (pending != null) {
            return; // the steps run, or failed: nothing starts
        }
        if (halted == null || halted.running || cur == null || cur == halted || cur.running || !newer(cur, halted)) {
            if (halted != null && cur != null && cur.running) {
                halted = null;
            }
            return;
        }
        if (cur.down == ProcessDown.STOPPED_BY_OPERATOR) {
            String problem = "the upgrade (\"" + upgrade + "\") needs " + cur.label() + ", which an operator stopped: start it (baton start "
                    + cur.program + ")";
            if (!problem.equals(cur.problem)) {
                cur.problem = problem;
                c.event(HandoverEvent.Kind.SUCCESSOR_DOWN, cur, group.name() + ": " + problem);
            }
            return;
        }
        cur.problem = null;
        if (steps) {
            pending = new GroupSnapshot.PendingSteps(cur.program, upgrade, false);
            c.actions.add(new Action.RunUpgradeSteps(cur.program));
            c.event(HandoverEvent.Kind.UPGRADE_STEPS_STARTED, cur, group.name() + ": " + halted.label() + " has exited at the upgrade"
                    + " (\"" + upgrade + "\"); running the pre-upgrade and backup commands before " + cur.label() + " starts");
            halted = null;
            return;
        }
        c.actions.add(new Action.Start(cur.program));
        c.event(HandoverEvent.Kind.SUCCESSOR_STARTED, cur, group.name() + ": " + halted.label() + " has exited at the upgrade (\""
                + upgrade + "\"); starting " + cur.label());
        halted = null;
    }

    private static final String CANNOT_START = "the upgrade's version ";

    /**
     * The version that took over from an idled one whose process never ran in this agent's life (its
     * binary missing or not executable, its user unknown...): the chain is down, which is the group's
     * error, not only the program's restarts. The old version stays held: it would halt again.
     */
    private void successorCannotStart(Engine cur, Collection<Engine> engines, EngineGroup.Changes c) {
        if (cur == null || cur.running || cur.lifetime > 0 || (cur.down != ProcessDown.RESTARTING && cur.down != ProcessDown.GAVE_UP)
                || engines.stream().noneMatch(e -> e.role == Role.IDLE && newer(cur, e))) {
            return;
        }
        String problem = CANNOT_START + cur.label() + " cannot be started (its process never ran: baton status " + cur.program
                + " says why, such as a binary missing or not executable); the chain is down until it runs: install or fix it, then "
                + (cur.down == ProcessDown.GAVE_UP ? "baton start " + cur.program : "it starts at its next retry (or baton start "
                + cur.program + ")");
        if (cur.problem == null || (cur.problem.startsWith(CANNOT_START) && !cur.problem.equals(problem))) {
            cur.problem = problem;
            c.event(HandoverEvent.Kind.SUCCESSOR_DOWN, cur, group.name() + ": " + problem);
        }
    }

    /** The next version after e: the oldest newer engine neither idled nor in error. */
    private static Engine successor(Engine e, Collection<Engine> engines) {
        return current(engines.stream().filter(f -> f != e && newer(f, e)).toList());
    }

    private static boolean newer(Engine f, Engine e) {
        return f.version() != null && e.version() != null && f.version().isNewerThan(e.version());
    }
}
