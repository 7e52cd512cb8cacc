package dev.baton.cluster.etcd;

import java.time.Instant;

/** The most recent etcd failure, for the status; cleared by the next successful lease renewal. */
final class LastError {
    private volatile String message;

    void record(String what, Throwable error) {
        message = Instant.now() + " " + what + ": " + EtcdCalls.describe(error);
    }

    void clear() {
        message = null;
    }

    String message() {
        return message;
    }
}
