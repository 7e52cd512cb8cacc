package dev.baton.cluster.etcd;

import java.util.List;

/**
 * {@code failsafe/<lock>}: the hosts a failsafe holder asks when it cannot reach etcd, written by the
 * holder (while it holds the lock) from its view of the fleet. It outlives the holder's lease on purpose:
 * a host that is not in it was never asked, so it never promised to stay away, and it must not take the
 * lock while that holder may still run in failsafe (Patroni's {@code /failsafe} key plays the same part).
 * Any host listed here, or the writer itself, may take over; the next holder rewrites the list.
 *
 * @param holder the host that wrote it
 * @param token  the writer's fencing token
 * @param hosts  the other members of the lock, sorted
 */
record FailsafeMembers(String holder, long token, List<String> hosts) {
    /** A key whose value cannot be read: it names nobody. */
    static final FailsafeMembers UNREADABLE = new FailsafeMembers("?", 0, List.of());

    boolean allows(String host) {
        return host.equals(holder) || hosts.contains(host);
    }
}
