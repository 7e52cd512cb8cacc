package dev.baton.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * Where things live in etcd, under the configured prefix:
 * {@code hosts/<host>} (inventory JSON, on the host's lease),
 * {@code locks/<lock>} (the holder's {@link LockRecord} with its fencing token, on its lease),
 * {@code failover/<lock>} (a pending {@link FailoverRequest}, on its own short lease),
 * {@code tokens/<lock>} (the last fencing token issued for the lock, on no lease: it outlives every holder),
 * {@code failsafe/<lock>} (the {@link FailsafeMembers} a failsafe holder would ask, on no lease: only they may take over).
 */
record KeySpace(String prefix) {

    ByteSequence hostsPrefix() {
        return bytes(prefix + "hosts/");
    }

    ByteSequence host(String host) {
        return bytes(prefix + "hosts/" + host);
    }

    ByteSequence lock(String lock) {
        return bytes(prefix + "locks/" + lock);
    }

    ByteSequence locksPrefix() {
        return bytes(prefix + "locks/");
    }

    ByteSequence failover(String lock) {
        return bytes(prefix + "failover/" + lock);
    }

    ByteSequence tokens(String lock) {
        return bytes(prefix + "tokens/" + lock);
    }

    ByteSequence failsafe(String lock) {
        return bytes(prefix + "failsafe/" + lock);
    }

    ByteSequence failoverPrefix() {
        return bytes(prefix + "failover/");
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
