package dev.baton.agent;

import static dev.baton.agent.ClusterHosts.TTL;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cluster.etcd.LatencyReport;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent-level invariant soak: three real agents and a real etcd through a shuffled schedule of
 * faults (the holder's agent SIGKILLed or stopped, planned switchovers through the API, etcd
 * restarted or killed). After every round the shared ledger, sampled every few milliseconds, must
 * show that no two hosts ever ran the exclusive program at once, and fencing tokens only grew.
 * Prints the failover and switchover times (p50/p99) next to the lease ttl.
 *
 * <p>10 rounds by default; 60 with {@code -Dbaton.soak=true} (the {@code -Psoak} profile), or
 * {@code -Dbaton.cluster.soak.rounds=N}; {@code -Dbaton.cluster.soak.seed=N} replays a schedule.
 */
class ClusterSoakTest {
    private enum Fault { KILL_HOLDER, STOP_HOLDER, SWITCHOVER, ETCD_RESTART, ETCD_KILL }

    private final List<Long> killFailover = new ArrayList<>();
    private final List<Long> stopFailover = new ArrayList<>();
    private final List<Long> switchover = new ArrayList<>();
    private int refused;

    private static int rounds() {
        return Integer.getInteger("baton.cluster.soak.rounds", Boolean.getBoolean("baton.soak") ? 60 : 10);
    }

    @Test
    @Timeout(value = 3600, unit = TimeUnit.SECONDS)
    void noTwoAgentsEverRunTheExclusiveProgramAtOnce() throws Exception {
        long seed = Long.getLong("baton.cluster.soak.seed", System.nanoTime());
        Random random = new Random(seed);
        int rounds = rounds();
        List<Fault> schedule = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            // 40% holder SIGKILLed, 40% switchovers, the rest: holder stopped, etcd restarted or killed
            int r = i % 10;
            schedule.add(r < 4 ? Fault.KILL_HOLDER : r < 8 ? Fault.SWITCHOVER
                    : r == 8 ? Fault.STOP_HOLDER : (i / 10) % 2 == 0 ? Fault.ETCD_RESTART : Fault.ETCD_KILL);
        }
        Collections.shuffle(schedule, random);
        System.out.println("cluster soak: seed " + seed + ", " + rounds + " rounds: " + schedule);

        ClusterHosts cluster = new ClusterHosts();
        List<String> violations;
        List<String> overlaps;
        List<Long> tokens;
        try {
            for (String name : List.of("a", "b", "c")) {
                cluster.start(name, true);
            }
            cluster.awaitApis(Duration.ofSeconds(90));
            for (int round = 0; round < rounds; round++) {
                Fault fault = schedule.get(round);
                ClusterHosts.Host holder = cluster.awaitOneHolder(TTL.multipliedBy(8));
                switch (fault) {
                    case KILL_HOLDER -> holderGone(cluster, holder, true);
                    case STOP_HOLDER -> holderGone(cluster, holder, false);
                    case SWITCHOVER -> switchover(cluster, holder, random);
                    case ETCD_RESTART -> cluster.etcd.restart();
                    case ETCD_KILL -> {
                        cluster.etcd.kill();
                        cluster.etcd.restart();
                    }
                }
                String where = "round " + round + " (" + fault + "), seed " + seed;
                assertEquals(List.of(), cluster.violations(), where);
                System.out.println(where + ": ok, " + cluster.lives().size() + " program lives so far");
            }
            cluster.awaitOneHolder(TTL.multipliedBy(8));
        } finally {
            tokens = cluster.tokens();
            overlaps = cluster.overlaps();
            cluster.close();
            violations = cluster.violations();
        }
        assertEquals(List.of(), violations, "seed " + seed);
        assertEquals(List.of(), overlaps, "seed " + seed);
        for (int i = 1; i < tokens.size(); i++) {
            assertTrue(tokens.get(i) > tokens.get(i - 1), "fencing tokens must grow: " + tokens);
        }
        LatencyReport.print("failover after the holder's agent was SIGKILLed", killFailover, TTL);
        LatencyReport.print("failover after the holder's agent was stopped (SIGTERM)", stopFailover, TTL);
        LatencyReport.print("planned switchover (API request to the new program's start)", switchover, TTL);
        System.out.println("switchovers refused (the holder changed meanwhile): " + refused);
    }

    /** The holder's agent dies (SIGKILL) or stops (SIGTERM: it hands over first); it comes back as a standby. */
    private void holderGone(ClusterHosts cluster, ClusterHosts.Host holder, boolean kill) throws Exception {
        long at = ClusterHosts.now();
        if (kill) {
            holder.sigkill();
        } else {
            holder.sigterm();
        }
        await("another host runs the program").atMost(TTL.multipliedBy(4))
                .until(() -> cluster.firstStartAfter(at).isPresent());
        ClusterHosts.Life next = cluster.firstStartAfter(at).orElseThrow();
        assertTrue(!next.host.equals(holder.name), "the new holder is another host");
        (kill ? killFailover : stopFailover).add((next.startNanos - at) / 1_000_000);
        holder.start();
    }

    private void switchover(ClusterHosts cluster, ClusterHosts.Host holder, Random random) throws Exception {
        List<ClusterHosts.Host> others = cluster.hosts().stream().filter(h -> h != holder).toList();
        ClusterHosts.Host target = others.get(random.nextInt(others.size()));
        ClusterHosts.Host caller = cluster.hosts().get(random.nextInt(cluster.hosts().size()));
        // A host that just came back is in its quiet period (one ttl): wait until the plan says it would take over.
        await("switchover to " + target.name + " feasible").atMost(TTL.multipliedBy(6)).ignoreExceptions().until(() -> {
            JsonNode plan = ClusterHosts.json(ClusterHosts.post(caller, "/v1/cluster/failover?dry_run=true&to="
                    + target.name, true).body());
            return plan.path("feasible").asBoolean();
        });
        long asked = ClusterHosts.now();
        HttpResponse<String> r = ClusterHosts.post(caller, "/v1/cluster/failover?to=" + target.name, true);
        if (r.statusCode() != 200) {
            refused++;
            System.out.println("switchover refused: " + r.body());
            return;
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.firstStartAfter(asked).isPresent());
        ClusterHosts.Life next = cluster.firstStartAfter(asked).orElseThrow();
        assertEquals(target.name, next.host);
        switchover.add((next.startNanos - asked) / 1_000_000);
    }
}
