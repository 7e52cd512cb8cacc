package dev.baton.control;

import java.time.Instant;

/**
 * One event for the history (API, CLI, logs): a handover's, or an operator's action.
 *
 * @param kind    e.g. RELEASE_CHANGED, ENGINE_ACTIVE, ENGINE_IDLED, ROLLBACK, NO_SUCCESSOR
 * @param program the program concerned, or null
 * @param message plain words
 * @param count   how often it happened (repeats are coalesced): {@code time} is the first, {@code lastTime} the last
 * @param actor   who asked (an operator's action: the Unix socket peer's user, or "token" over TCP); null for the handover's
 */
public record HandoverRecord(Instant time, String group, String kind, String program, String message, int count,
                             Instant lastTime, String actor) {
}
