package dev.baton.cluster.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Prints the spread of a soak's measured failover or switchover times (for the issue notes, not asserted). */
public final class LatencyReport {
    private LatencyReport() {
    }

    public static void print(String what, List<Long> millis, Duration leaseTtl) {
        if (millis.isEmpty()) {
            System.out.println(what + ": no samples");
            return;
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        long p50 = sorted.get((sorted.size() - 1) / 2);
        long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
        System.out.printf("%s: n=%d p50=%d ms p99=%d ms min=%d ms max=%d ms (lease ttl %d ms)%n", what, sorted.size(),
                p50, p99, sorted.get(0), sorted.get(sorted.size() - 1), leaseTtl.toMillis());
    }
}
