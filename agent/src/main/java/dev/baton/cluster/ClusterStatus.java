package dev.baton.cluster;

import java.time.Duration;
import java.util.List;

/**
 * The cluster part of the agent's read model.
 *
 * @param host           this host's name
 * @param leaseId        the current lease (0: none, e.g. etcd unreachable)
 * @param leaseRemaining time left on the local monotonic deadline (last confirmed renewal + ttl); zero without a lease
 * @param lastError      the last etcd error, or null after a success
 * @param locks          one entry per exclusive program
 * @param identities     one entry per exclusive program in identity mode (warm standby)
 */
public record ClusterStatus(String host, long leaseId, Duration leaseRemaining, String lastError, List<LockStatus> locks,
                            List<IdentityStatus> identities) {

    public ClusterStatus(String host, long leaseId, Duration leaseRemaining, String lastError, List<LockStatus> locks) {
        this(host, leaseId, leaseRemaining, lastError, locks, List.of());
    }

    public boolean connected() {
        return leaseId != 0 && lastError == null;
    }
}
