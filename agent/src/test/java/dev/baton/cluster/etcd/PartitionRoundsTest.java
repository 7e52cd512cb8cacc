package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rounds of network cuts between hosts and a real etcd, three hosts each with a path of its own to
 * etcd: a kernel link of etcd's {@link NetNamespace} (taken down: packets vanish, calls hang; or one
 * way only, by a blackhole route or a wrong neighbour entry), or a loopback {@link TcpRelay} (bytes
 * dropped, one way or both). After every round the ledger of real process lives must show that no two hosts ever
 * ran the program at once, and tokens must have grown. Prints failover and downtime per case.
 */
class PartitionRoundsTest {
    private static final Duration TTL = TestFleet.TTL;
    private static final String PROGRAM = TestFleet.PROGRAM;

    /** How the test cuts a host's path to etcd. */
    private interface Paths {
        void cut(String host);

        /** Requests still arrive, answers are lost. */
        void dropAnswers(String host);

        /** Requests are lost, answers would still arrive. */
        void dropRequests(String host);

        void healAll();
    }

    private enum Cut {
        /** The holder loses etcd both ways; the standbys still reach it. */
        HOLDER_FROM_ETCD,
        /** Asymmetric: the holder's requests reach etcd (its renewals land), no answer comes back. */
        HOLDER_ANSWERS_LOST,
        /** Asymmetric the other way: the holder's requests are lost (its renewals never land), answers would come. */
        HOLDER_REQUESTS_LOST,
        /** A standby loses etcd: nothing may change for the holder. */
        STANDBY_FROM_ETCD,
        /** The holder loses etcd, and etcd itself restarts in the middle of the failover. */
        ETCD_RESTARTS_MID_FAILOVER
    }

    private final Map<Cut, List<Long>> failoverMillis = new EnumMap<>(Cut.class);
    private final Map<Cut, List<Long>> downtimeMillis = new EnumMap<>(Cut.class);
    private int roundsDone;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void cutsOfKernelLinksInANetworkNamespaceNeverLetTwoHostsRun() throws Exception {
        Assumptions.assumeTrue(NetNamespace.available(), "needs root and iproute2 (ip netns)");
        List<String> names = List.of("a", "b", "c");
        try (NetNamespace ns = NetNamespace.create(names.size() + 1)) {
            try (TestFleet fleet = new TestFleet(List.of(EtcdServer.startIn(ns, names.size() + 1)))) {
                oneWayCutsAreOneWay(fleet, ns, names.size());
                for (int i = 0; i < names.size(); i++) {
                    fleet.startAt(fleet.etcd.clientUrl(i), names.get(i));
                }
                rounds(fleet, 2, new Paths() {
                    public void cut(String host) {
                        ns.cut(names.indexOf(host));
                    }

                    public void dropAnswers(String host) {
                        ns.dropAnswers(names.indexOf(host));
                    }

                    public void dropRequests(String host) {
                        ns.dropRequests(names.indexOf(host));
                    }

                    public void healAll() {
                        for (int i = 0; i < names.size(); i++) {
                            ns.heal(i);
                        }
                    }
                });
            }
        }
        report("network namespace");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void cutsOfLoopbackRelaysOneWayOrBothNeverLetTwoHostsRun() {
        try (TestFleet fleet = new TestFleet()) {
            Map<String, TcpRelay> relays = new LinkedHashMap<>();
            for (String name : List.of("a", "b", "c")) {
                TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort());
                relays.put(name, relay);
                fleet.startBehind(relay, name);
            }
            try {
                rounds(fleet, 1, new Paths() {
                    public void cut(String host) {
                        relays.get(host).blackhole();
                    }

                    public void dropAnswers(String host) {
                        relays.get(host).dropReplies();
                    }

                    public void dropRequests(String host) {
                        relays.get(host).dropRequests();
                    }

                    public void healAll() {
                        relays.values().forEach(TcpRelay::heal);
                    }
                });
            } finally {
                relays.values().forEach(TcpRelay::close);
            }
        }
        report("loopback relays");
    }

    /**
     * Checks the namespace's one-way cuts on the harness's link {@code link} before the hosts start: with
     * answers dropped a put on an open connection lands (another link reads it) and never completes; with
     * requests dropped it neither lands nor completes. A cut that did nothing, or both ways, fails here.
     */
    private static void oneWayCutsAreOneWay(TestFleet fleet, NetNamespace ns, int link) throws Exception {
        ByteSequence key = bytes(fleet.prefix + "probe");
        try (Client writer = Client.builder().endpoints(fleet.etcd.clientUrl(link)).build();
             Client reader = Client.builder().endpoints(fleet.etcd.clientUrl(0)).build()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> writer.getKVClient().put(key, bytes("before")).get(5, TimeUnit.SECONDS) != null);
            ns.dropAnswers(link);
            CompletableFuture<?> landsUnanswered = writer.getKVClient().put(key, bytes("answers lost"));
            await("the put sent while the answers are lost lands").atMost(Duration.ofSeconds(30))
                    .until(() -> "answers lost".equals(read(reader, key)));
            assertThrows(TimeoutException.class, () -> landsUnanswered.get(1, TimeUnit.SECONDS), "an answer came back");
            ns.heal(link);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> writer.getKVClient().put(key, bytes("healed")).get(5, TimeUnit.SECONDS) != null);
            ns.dropRequests(link);
            CompletableFuture<?> lost = writer.getKVClient().put(key, bytes("requests lost"));
            assertThrows(TimeoutException.class, () -> lost.get(2, TimeUnit.SECONDS), "an answer came back");
            assertEquals("healed", read(reader, key), "a request landed");
            ns.heal(link);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String read(Client client, ByteSequence key) throws Exception {
        var kvs = client.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    private void rounds(TestFleet fleet, int rounds, Paths paths) {
        for (int round = 0; round < rounds; round++) {
            for (Cut cut : Cut.values()) {
                TestFleet.Host holder = awaitStable(fleet);
                run(cut, fleet, paths, holder);
                paths.healAll();
                String where = "round " + round + " (" + cut + ")";
                assertEquals(Optional.empty(), fleet.overlap(), where);
                List<Long> tokens = fleet.ledger.spawnTokens(PROGRAM);
                for (int i = 1; i < tokens.size(); i++) {
                    assertTrue(tokens.get(i) > tokens.get(i - 1), "tokens must grow: " + tokens + ", " + where);
                }
                roundsDone++;
            }
        }
        awaitStable(fleet);
    }

    private void report(String paths) {
        for (Cut cut : Cut.values()) {
            if (cut == Cut.STANDBY_FROM_ETCD) {
                System.out.println(paths + ", " + cut + ": no failover, no restart");
            } else if (failoverMillis.containsKey(cut)) {
                LatencyReport.print(paths + ", " + cut + ": cut to the new holder's program start", failoverMillis.get(cut), TTL);
                LatencyReport.print(paths + ", " + cut + ": downtime (old program's exit to the new one's start)",
                        downtimeMillis.get(cut), TTL);
            }
        }
        System.out.println(paths + ": " + roundsDone + " partition rounds, double runs: 0");
    }

    private void run(Cut cut, TestFleet fleet, Paths paths, TestFleet.Host holder) {
        long cutAt = System.nanoTime();
        switch (cut) {
            case HOLDER_FROM_ETCD -> {
                paths.cut(holder.name());
                awaitTakeover(cut, fleet, holder, cutAt);
            }
            case HOLDER_ANSWERS_LOST -> {
                paths.dropAnswers(holder.name());
                awaitTakeover(cut, fleet, holder, cutAt);
            }
            case HOLDER_REQUESTS_LOST -> {
                paths.dropRequests(holder.name());
                awaitTakeover(cut, fleet, holder, cutAt);
            }
            case STANDBY_FROM_ETCD -> {
                TestFleet.Host standby = fleet.hosts().stream().filter(h -> h != holder).findFirst().orElseThrow();
                paths.cut(standby.name());
                await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3))
                        .until(() -> holder.holds() && holder.runs(PROGRAM));
                assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, cutAt), "no failover for a standby's cut");
            }
            case ETCD_RESTARTS_MID_FAILOVER -> {
                paths.cut(holder.name());
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
