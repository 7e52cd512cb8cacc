package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rounds of network cuts between hosts and a real etcd: three hosts, each reaching etcd through its
 * own {@link TcpRelay} (loopback; the cut keeps connections open and drops bytes, so calls hang as in
 * a real partition). After every round the ledger of real process lives must show that no two hosts
 * ever ran the program at once, and tokens must have grown. Prints failover and downtime per case.
 */
class PartitionRoundsTest {
    private static final Duration TTL = TestFleet.TTL;
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final int ROUNDS = 2;

    private enum Cut {
        /** The holder loses etcd both ways; the standbys still reach it. */
        HOLDER_FROM_ETCD,
        /** Asymmetric: the holder's requests reach etcd (its renewals land), no answer comes back. */
        HOLDER_ANSWERS_LOST,
        /** A standby loses etcd: nothing may change for the holder. */
        STANDBY_FROM_ETCD,
        /** The holder loses etcd, and etcd itself restarts in the middle of the failover. */
        ETCD_RESTARTS_MID_FAILOVER
    }

    private final Map<Cut, List<Long>> failoverMillis = new EnumMap<>(Cut.class);
    private final Map<Cut, List<Long>> downtimeMillis = new EnumMap<>(Cut.class);

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void noCutEverLetsTwoHostsRunTheProgram() {
        try (TestFleet fleet = new TestFleet()) {
            Map<String, TcpRelay> relays = new LinkedHashMap<>();
            for (String name : List.of("a", "b", "c")) {
                TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort());
                relays.put(name, relay);
                fleet.startBehind(relay, name);
            }
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    for (Cut cut : Cut.values()) {
                        TestFleet.Host holder = awaitStable(fleet);
                        run(cut, fleet, relays, holder);
                        relays.values().forEach(TcpRelay::heal);
                        String where = "round " + round + " (" + cut + ")";
                        assertEquals(Optional.empty(), fleet.overlap(), where);
                        List<Long> tokens = fleet.ledger.spawnTokens(PROGRAM);
                        for (int i = 1; i < tokens.size(); i++) {
                            assertTrue(tokens.get(i) > tokens.get(i - 1), "tokens must grow: " + tokens + ", " + where);
                        }
                    }
                }
                awaitStable(fleet);
            } finally {
                relays.values().forEach(TcpRelay::close);
            }
        }
        for (Cut cut : Cut.values()) {
            if (failoverMillis.containsKey(cut)) {
                LatencyReport.print(cut + ": cut to the new holder's program start", failoverMillis.get(cut), TTL);
                LatencyReport.print(cut + ": downtime (old program's exit to the new one's start)", downtimeMillis.get(cut), TTL);
            }
        }
        System.out.println("partition rounds: " + ROUNDS * Cut.values().length + ", double runs: 0");
    }

    private void run(Cut cut, TestFleet fleet, Map<String, TcpRelay> relays, TestFleet.Host holder) {
        TcpRelay toHolder = relays.get(holder.name());
        long cutAt = System.nanoTime();
        switch (cut) {
            case HOLDER_FROM_ETCD -> {
                toHolder.blackhole();
                awaitTakeover(cut, fleet, holder, cutAt);
            }
            case HOLDER_ANSWERS_LOST -> {
                toHolder.dropReplies();
                awaitTakeover(cut, fleet, holder, cutAt);
            }
            case STANDBY_FROM_ETCD -> {
                TestFleet.Host standby = fleet.hosts().stream().filter(h -> h != holder).findFirst().orElseThrow();
                relays.get(standby.name()).blackhole();
                await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3))
                        .until(() -> holder.holds() && holder.runs(PROGRAM));
                assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, cutAt), "no failover for a standby's cut");
            }
            case ETCD_RESTARTS_MID_FAILOVER -> {
                toHolder.blackhole();
                await().atMost(TTL.multipliedBy(2)).until(() -> !holder.runs(PROGRAM)); // fenced: failover under way
                fleet.etcd.kill();
                fleet.etcd.restart();
                awaitTakeover(cut, fleet, holder, cutAt);
            }
        }
    }

    private void awaitTakeover(Cut cut, TestFleet fleet, TestFleet.Host holder, long cutAt) {
        await().atMost(TTL.multipliedBy(4)).until(() -> fleet.ledger.firstSpawnAfter(PROGRAM, cutAt).isPresent());
        Ledger.Event spawn = fleet.ledger.firstSpawnAfter(PROGRAM, cutAt).orElseThrow();
        long exit = fleet.ledger.last("exit", holder.name(), PROGRAM).orElseThrow().monoNanos();
        assertTrue(exit < spawn.monoNanos(), cut + ": " + spawn.host() + " started before " + holder.name() + "'s program exited");
        failoverMillis.computeIfAbsent(cut, k -> new ArrayList<>()).add((spawn.monoNanos() - cutAt) / 1_000_000);
        downtimeMillis.computeIfAbsent(cut, k -> new ArrayList<>()).add((spawn.monoNanos() - exit) / 1_000_000);
    }

    /** One holder running the program, every host with a lease (relays healed). */
    private static TestFleet.Host awaitStable(TestFleet fleet) {
        await().atMost(TTL.multipliedBy(6)).until(() -> fleet.holders().size() == 1
                && fleet.holders().get(0).runs(PROGRAM)
                && fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
        return fleet.holders().get(0);
    }
}
