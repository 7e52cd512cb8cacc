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

    SequentialHandover(EngineGroup group) {
        this.group = group;
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
        return e.role == Role.IDLE || waitsForUpgrade(e, engines);
    }

    String holdWords(Engine e, Collection<Engine> engines) {
        Engine cur = current(engines);
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
        c.actions.add(new Action.Start(cur.program));
        c.event(HandoverEvent.Kind.SUCCESSOR_STARTED, cur, group.name() + ": " + halted.label() + " has exited at the upgrade (\""
                + upgrade + "\"); starting " + cur.label());
        halted = null;
    }

    /** The next version after e: the oldest newer engine neither idled nor in error. */
    private static Engine successor(Engine e, Collection<Engine> engines) {
        return current(engines.stream().filter(f -> f != e && newer(f, e)).toList());
    }

    private static boolean newer(Engine f, Engine e) {
        return f.version() != null && e.version() != null && f.version().isNewerThan(e.version());
    }
}
