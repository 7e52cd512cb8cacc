package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded, randomized fault soak: holder deaths, planned switchovers and etcd outages (SIGTERM or
 * SIGKILL, short or until every lease is gone), in a shuffled schedule. After every round the ledger
 * of real process lives must show that no two hosts ever ran the exclusive program at the same
 * instant, and fencing tokens must only grow. Prints the failover and switchover times.
 * {@code -Dbaton.soak.seed=N} replays a schedule.
 */
class InvariantSoakTest {
    private static final Duration TTL = TestFleet.TTL;
    private static final String PROGRAM = TestFleet.PROGRAM;

    private enum Fault { KILL_HOLDER, SWITCHOVER_NAMED, SWITCHOVER_ANY, ETCD_TERM_SHORT, ETCD_KILL_SHORT,
        ETCD_TERM_LONG, ETCD_KILL_LONG }

    private final List<Long> failoverMillis = new ArrayList<>();
    private final List<Long> switchoverMillis = new ArrayList<>();
    private final List<Long> etcdRecoveryMillis = new ArrayList<>();
    private int refusedSwitchovers;

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void noTwoHostsEverRunTheExclusiveProgramAtOnce() {
        long seed = Long.getLong("baton.soak.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Fault> schedule = new ArrayList<>();
        add(schedule, Fault.KILL_HOLDER, 20);
        add(schedule, Fault.SWITCHOVER_NAMED, 10);
        add(schedule, Fault.SWITCHOVER_ANY, 10);
        add(schedule, Fault.ETCD_TERM_SHORT, 4);
        add(schedule, Fault.ETCD_KILL_SHORT, 4);
        add(schedule, Fault.ETCD_TERM_LONG, 2);
        add(schedule, Fault.ETCD_KILL_LONG, 2);
        Collections.shuffle(schedule, random);
        System.out.println("soak seed " + seed + ", " + schedule.size() + " rounds");

        try (TestFleet fleet = new TestFleet()) {
            fleet.start("a");
            fleet.start("b");
            fleet.start("c", true, true); // one host also runs a standby variant
            for (int round = 0; round < schedule.size(); round++) {
                Fault fault = schedule.get(round);
                TestFleet.Host holder = awaitStable(fleet);
                switch (fault) {
                    case KILL_HOLDER -> killHolder(fleet, holder);
                    case SWITCHOVER_NAMED, SWITCHOVER_ANY -> switchover(fleet, holder, fault == Fault.SWITCHOVER_NAMED, random);
                    default -> etcdOutage(fleet, fault);
                }
                String where = "round " + round + " (" + fault + "), seed " + seed;
                assertEquals(Optional.empty(), fleet.overlap(), where);
                List<Long> tokens = fleet.ledger.spawnTokens(PROGRAM);
                for (int i = 1; i < tokens.size(); i++) {
                    assertTrue(tokens.get(i) > tokens.get(i - 1), "fencing tokens must grow: " + tokens + ", " + where);
                }
            }
            awaitStable(fleet);
        }
        LatencyReport.print("failover after the holder's death", failoverMillis, TTL);
        LatencyReport.print("planned switchover (request to new program start)", switchoverMillis, TTL);
        LatencyReport.print("etcd outage: etcd healthy again to a program running", etcdRecoveryMillis, TTL);
        System.out.println("switchovers refused because the holder changed meanwhile: " + refusedSwitchovers);
        assertTrue(failoverMillis.size() >= 20 && switchoverMillis.size() + refusedSwitchovers >= 20);
    }

    private static void add(List<Fault> schedule, Fault fault, int times) {
        for (int i = 0; i < times; i++) {
            schedule.add(fault);
        }
    }

    /** One holder running the program, every host with a lease. */
    private static TestFleet.Host awaitStable(TestFleet fleet) {
        await().atMost(TTL.multipliedBy(5)).until(() -> fleet.holders().size() == 1
                && fleet.holders().get(0).runs(PROGRAM)
                && fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
        return fleet.holders().get(0);
    }

    private void killHolder(TestFleet fleet, TestFleet.Host holder) {
        long died = System.nanoTime();
        fleet.crash(holder.name());
        await().atMost(TTL.plusSeconds(5)).until(() -> fleet.ledger.firstSpawnAfter(PROGRAM, died).isPresent());
        failoverMillis.add((fleet.ledger.firstSpawnAfter(PROGRAM, died).get().monoNanos() - died) / 1_000_000);
        fleet.start(holder.name(), holder.name().equals("c"), true); // the host comes back as a standby
    }

    private void switchover(TestFleet fleet, TestFleet.Host holder, boolean named, Random random) {
        List<TestFleet.Host> others = fleet.hosts().stream().filter(h -> h != holder).toList();
        TestFleet.Host target = others.get(random.nextInt(others.size()));
        Optional<String> to = named ? Optional.of(target.name()) : Optional.empty();
        TestFleet.Host caller = fleet.hosts().get(random.nextInt(fleet.hosts().size()));
        // Wait until the fleet view says a standby can take over (a restarted host is in its quiet period).
        await().atMost(TTL.multipliedBy(3)).ignoreExceptions().until(() -> caller.node().plan(to).feasible());
        long asked = System.nanoTime();
        try {
            caller.node().failover(to).get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            refusedSwitchovers++; // e.g. a fence or a lease loss under load changed the holder meanwhile
            return;
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.ledger.firstSpawnAfter(PROGRAM, asked).isPresent());
        switchoverMillis.add((fleet.ledger.firstSpawnAfter(PROGRAM, asked).get().monoNanos() - asked) / 1_000_000);
    }

    private void etcdOutage(TestFleet fleet, Fault fault) {
        if (fault == Fault.ETCD_KILL_SHORT || fault == Fault.ETCD_KILL_LONG) {
            fleet.etcd.kill();
        } else {
            fleet.etcd.stop();
        }
        if (fault == Fault.ETCD_TERM_LONG || fault == Fault.ETCD_KILL_LONG) {
            // Long enough that every host's lease is gone locally and every program fenced.
            await().atMost(TTL.plusSeconds(3)).until(() -> fleet.hosts().stream()
                    .allMatch(h -> h.node().status().leaseId() == 0 && !h.runs(PROGRAM)));
        }
        fleet.etcd.restart();
        long healthy = System.nanoTime();
        awaitStable(fleet);
        Optional<Ledger.Event> spawn = fleet.ledger.firstSpawnAfter(PROGRAM, healthy);
        spawn.ifPresent(e -> etcdRecoveryMillis.add((e.monoNanos() - healthy) / 1_000_000));
    }
}
