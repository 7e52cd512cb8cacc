package dev.baton.agent;

import java.time.Instant;

/**
 * One handover event for the history (API, CLI, logs).
 *
 * @param kind    e.g. RELEASE_CHANGED, ENGINE_ACTIVE, ENGINE_IDLED, ROLLBACK, NO_SUCCESSOR
 * @param program the program concerned, or null
 * @param message plain words
 * @param count   how often it happened (repeats are coalesced): {@code time} is the first, {@code lastTime} the last
 */
public record HandoverRecord(Instant time, String group, String kind, String program, String message, int count,
                             Instant lastTime) {
}
