package dev.baton.cluster;

/**
 * One warm-standby identity on this host.
 *
 * @param lock         the lock
 * @param program      the program whose identity it is
 * @param state        where it stands
 * @param hookFailures hooks that failed or timed out since the agent started (acquire, release, verify_released)
 * @param lastFailure  the last failure in words, or null
 */
public record IdentityStatus(String lock, String program, IdentityState state, long hookFailures, String lastFailure) {
}
