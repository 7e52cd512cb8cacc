package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failsafe under real partitions: etcd in a {@link NetNamespace} (each host's link to it can be taken
 * down: packets vanish, calls hang), and each host's peer channel behind a loopback {@link TcpRelay}
 * (published as its peer address; blackholed, no byte passes). Three hosts with failsafe; the holder
 * cut from its members only, from etcd only, from both, then everyone cut from etcd while the members
 * still reach each other (etcd, alive, expires the holder's key meanwhile). The invariant is sampled
 * every 10 ms throughout (no two hosts with a process of the program) and checked over every
 * process's life by the ledger ({@link TestFleet#close}).
 */
class FailsafePartitionTest {
    private static final Duration TTL = TestFleet.FAILSAFE_TTL;
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final List<String> NAMES = List.of("a", "b", "c");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void cutsOfEtcdAndOfThePeerChannelNeverLetTwoHostsRun(@TempDir Path dir) {
        Assumptions.assumeTrue(NetNamespace.available(), "needs root and iproute2 (ip netns)");
        TestCerts certs = TestCerts.create(dir);
        Map<String, TcpRelay> peerPaths = new LinkedHashMap<>();
        AtomicReference<String> twoRunning = new AtomicReference<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try (NetNamespace ns = NetNamespace.create(NAMES.size() + 1);
             TestFleet fleet = new TestFleet(List.of(EtcdServer.startIn(ns, NAMES.size() + 1))).withFailsafe(certs)) {
            for (int i = 0; i < NAMES.size(); i++) {
                String name = NAMES.get(i);
                TcpRelay relay = new TcpRelay(fleet.peerPort(name));
                peerPaths.put(name, relay);
                fleet.publishPeerAddress(name, relay.url().getAuthority());
                fleet.startAt(fleet.etcd.clientUrl(i), name);
            }
            sampler.scheduleAtFixedRate(() -> {
                List<String> running = fleet.hosts().stream().filter(h -> h.runs(PROGRAM)).map(TestFleet.Host::name).toList();
                if (running.size() > 1) {
                    twoRunning.compareAndSet(null, running.toString());
                }
            }, 0, 10, TimeUnit.MILLISECONDS);

            // 1. The holder cut from its members only: it reaches etcd, nothing changes.
            TestFleet.Host holder = awaitStable(fleet);
            int spawns = fleet.ledger.spawnTokens(PROGRAM).size();
            othersThan(holder).forEach(name -> peerPaths.get(name).blackhole());
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(4)).until(() -> holder.holds() && holder.runs(PROGRAM));
            assertEquals(spawns, fleet.ledger.spawnTokens(PROGRAM).size(), "no failover while the holder reaches etcd");
            peerPaths.values().forEach(TcpRelay::heal);

            // 2. The holder cut from etcd only: the members reach etcd and refuse; it fences, one takes over.
            TestFleet.Host cutFromEtcd = awaitStable(fleet);
            ns.cut(NAMES.indexOf(cutFromEtcd.name()));
            await().atMost(TTL.multipliedBy(3)).until(() -> !cutFromEtcd.runs(PROGRAM));
            assertFalse(cutFromEtcd.lock().failsafe().active(), "members that reach etcd never promise");
            await().atMost(TTL.multipliedBy(4)).until(() -> otherRuns(fleet, cutFromEtcd));
            healAll(ns, peerPaths);

            // 3. The holder cut from etcd and from its members: no promise can reach it; it fences, one takes over.
            TestFleet.Host cutOff = awaitStable(fleet);
            ns.cut(NAMES.indexOf(cutOff.name()));
            othersThan(cutOff).forEach(name -> peerPaths.get(name).blackhole());
            await().atMost(TTL.multipliedBy(3)).until(() -> !cutOff.runs(PROGRAM));
            await().atMost(TTL.multipliedBy(4)).until(() -> otherRuns(fleet, cutOff));
            healAll(ns, peerPaths);

            // 4. Everyone cut from etcd (alive: it expires the holder's key), the members reach each other.
            TestFleet.Host failsafe = awaitStable(fleet);
            for (int i = 0; i < NAMES.size(); i++) {
                ns.cut(i);
            }
            await().atMost(TTL.multipliedBy(3)).until(() -> failsafe.lock().failsafe().active());
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(4)).until(() -> failsafe.runs(PROGRAM));
            long healed = System.nanoTime();
            healAll(ns, peerPaths);
            // Its key expired in etcd meanwhile: it stops at its first renewal ("lease not found"); whoever
            // takes over waits out the promises and its quiet period.
            TestFleet.Host after = awaitStable(fleet);
            Optional<Ledger.Event> exit = fleet.ledger.last("exit", failsafe.name(), PROGRAM);
            Optional<Ledger.Event> start = fleet.ledger.firstSpawnAfter(PROGRAM, healed);
            if (exit.isPresent() && start.isPresent()) {
                System.out.println("everyone cut from etcd for > 2 ttl, healed: downtime "
                        + (start.get().monoNanos() - exit.get().monoNanos()) / 1_000_000 + " ms, new holder " + after.name());
            }
            assertNotEquals(null, after);
        } finally {
            sampler.shutdownNow();
            peerPaths.values().forEach(TcpRelay::close);
        }
        assertEquals(null, twoRunning.get(), "two hosts ran the program at once (sampled)");
    }

    private static List<String> othersThan(TestFleet.Host host) {
        return NAMES.stream().filter(n -> !n.equals(host.name())).toList();
    }

    private static boolean otherRuns(TestFleet fleet, TestFleet.Host old) {
        return fleet.hosts().stream().anyMatch(h -> h != old && h.holds() && h.runs(PROGRAM));
    }

    private static void healAll(NetNamespace ns, Map<String, TcpRelay> peerPaths) {
        for (int i = 0; i < NAMES.size(); i++) {
            ns.heal(i);
        }
        peerPaths.values().forEach(TcpRelay::heal);
    }

    private static TestFleet.Host awaitStable(TestFleet fleet) {
        await().atMost(TTL.multipliedBy(6)).until(() -> fleet.holders().size() == 1
                && fleet.holders().get(0).runs(PROGRAM)
                && fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0)
                && fleet.holders().get(0).lock().failsafe().members() != null);
        return fleet.holders().get(0);
    }
}
