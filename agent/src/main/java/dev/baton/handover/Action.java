package dev.baton.handover;

/** What the group asks the supervisor to do to one of its programs. */
public sealed interface Action permits Action.Idle, Action.Resume, Action.HoldRestarts, Action.Start, Action.RunUpgradeSteps {

    String program();

    /**
     * The engine is superseded: apply {@code mode}. STOP: stop it with its stop signal and timeout and
     * do not restart it; SIGNAL: send that signal once and do not restart it; KEEP: nothing to do to
     * the process (only the mark changes), its restart policy stays.
     */
    record Idle(String program, IdleMode mode) implements Action {
    }

    /** Undo an idle (rollback, or a release the idled engine is compatible with again): lift the hold, start it if stopped. */
    record Resume(String program) implements Action {
    }

    /** The engine said it must not be restarted: stop restarting it when it exits and show the error. */
    record HoldRestarts(String program, String reason) implements Action {
    }

    /** Start the next version of a sequential group: the old one halted for the upgrade and has exited. */
    record Start(String program) implements Action {
    }

    /**
     * Run the group's upgrade steps (pre-upgrade, backup) off the loop, then report with
     * {@link EngineGroup#onUpgradeSteps}: the old version has exited at the upgrade, {@code program} waits for them.
     */
    record RunUpgradeSteps(String program) implements Action {
    }
}
