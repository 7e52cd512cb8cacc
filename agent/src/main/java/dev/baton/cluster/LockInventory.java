package dev.baton.cluster;

/**
 * A host's part in one lock, published with its inventory so that any host can plan a switchover.
 *
 * @param lock         lock name
 * @param program      the exclusive program
 * @param role         this host's {@link LockRole}
 * @param ready        the host would take the lock now: its readiness check passes, it has a lease and is
 *                     past its quiet period
 * @param fencingToken the token while holding, else 0
 */
public record LockInventory(String lock, String program, LockRole role, boolean ready, long fencingToken) {
}
