package dev.baton.cluster.etcd;

/**
 * A failsafe holder's question to one member, {@code POST /failsafe}: "I hold {@code lock} with
 * {@code token} and cannot reach etcd; can you, and if not, will you stay away from the lock?".
 * The holder's identity is checked against its client certificate.
 */
record FailsafeRequest(String lock, String holder, long token) {
}
