package dev.baton.agent;

import dev.baton.process.ProgramStatus;
import java.util.List;

/**
 * The outcome of a start/stop/restart/signal.
 *
 * @param ok       every program reached the wanted state
 * @param programs the affected programs as they are now
 * @param message  plain words, e.g. "engine: RUNNING (pid 1234)" or why it failed
 */
public record ActionResult(boolean ok, List<ProgramStatus> programs, String message) {
}
