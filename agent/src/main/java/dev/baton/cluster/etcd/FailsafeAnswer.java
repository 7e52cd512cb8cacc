package dev.baton.cluster.etcd;

/**
 * A member's answer to a {@link FailsafeRequest}.
 *
 * @param promise       the member cannot reach etcd and will not campaign for the lock for {@code promiseMillis},
 *                      counted on its own monotonic clock from when it received the request
 * @param promiseMillis the length of the promise (the lease ttl), 0 when refused
 * @param reason        why, for the holder's log
 */
record FailsafeAnswer(boolean promise, long promiseMillis, String reason) {
    static FailsafeAnswer refuse(String reason) {
        return new FailsafeAnswer(false, 0, reason);
    }
}
