package dev.baton.control;

import dev.baton.process.ProgramStatus;
import java.util.List;

/**
 * The outcome of a start/stop/restart/signal.
 *
 * @param ok       every program reached the wanted state
 * @param programs the affected programs as they are now
 * @param message  plain words, e.g. "engine: RUNNING (pid 1234)" or why it failed
 * @param skipped  programs an action on {@code all} left alone, and why (an engine a handover holds)
 */
public record ActionResult(boolean ok, List<ProgramStatus> programs, String message, List<Skipped> skipped) {

    public ActionResult {
        skipped = List.copyOf(skipped);
    }

    public ActionResult(boolean ok, List<ProgramStatus> programs, String message) {
        this(ok, programs, message, List.of());
    }

    /** A program left alone by an action on {@code all}. */
    public record Skipped(String program, String reason) {
    }
}
