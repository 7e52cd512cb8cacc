package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.LockRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * down, or lose etcd's answers only), and each host's peer channel behind a loopback {@link TcpRelay}
 * (published as its peer address; blackholed, no byte passes). Three hosts with failsafe; the holder
 * cut from its members only, from etcd only, from etcd's answers only, from both; cut from etcd while
 * etcd restarts in the middle of the failover; cut from etcd while etcd goes down for everyone (the
 * members promise) and comes back for the members only; everyone cut from etcd while etcd restarts
 * (the holder keeps its key when etcd returns, nobody else campaigns meanwhile; also when the members
 * reach the restarted etcd before the holder does); everyone cut from etcd while it stays up (it
 * expires the holder's key: the holder takes it back, its program running). The invariant is sampled
 * every 10 ms throughout (no two hosts with a process of the program) and checked over every
 * process's life by the ledger ({@link TestFleet#close}). Prints failover and downtime per case.
 */
class FailsafePartitionTest {
    private static final Duration TTL = TestFleet.FAILSAFE_TTL;
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final List<String> NAMES = List.of("a", "b", "c");
    private static final Set<LockRole> TAKING = Set.of(LockRole.CAMPAIGNING, LockRole.STARTING, LockRole.HOLDER);

    private final Map<String, List<Long>> failoverMillis = new LinkedHashMap<>();
    private final Map<String, List<Long>> downtimeMillis = new LinkedHashMap<>();
    private final AtomicReference<String> twoRunning = new AtomicReference<>();
    private final AtomicReference<String> otherCampaigned = new AtomicReference<>();
    /** While set, no other host may campaign, start or hold (sampled). */
    private volatile TestFleet.Host keepsTheLock;
    /** Then only while that host still starts or holds the lock (it may fence: the rule is who goes first). */
    private volatile boolean keeperMayFence;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void cutsOfEtcdAndOfThePeerChannelNeverLetTwoHostsRun(@TempDir Path dir) {
        Assumptions.assumeTrue(NetNamespace.available(), "needs root and iproute2 (ip netns)");
        TestCerts certs = TestCerts.create(dir);
        Map<String, TcpRelay> peerPaths = new LinkedHashMap<>();
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
            sampler.scheduleAtFixedRate(() -> sample(fleet), 0, 10, TimeUnit.MILLISECONDS);

            // 1. The holder cut from its members only: it reaches etcd, nothing changes.
            TestFleet.Host holder = awaitStable(fleet);
            long cutAt = System.nanoTime();
            othersThan(holder).forEach(name -> peerPaths.get(name).blackhole());
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(4)).until(() -> holder.holds() && holder.runs(PROGRAM));
            assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, cutAt), "no failover while the holder reaches etcd");
            healAll(ns, peerPaths);

            // 2. The holder cut from etcd only: the members reach etcd and refuse; it fences, one takes over.
            TestFleet.Host cutFromEtcd = awaitStable(fleet);
            cutAt = System.nanoTime();
            ns.cut(NAMES.indexOf(cutFromEtcd.name()));
            await().atMost(TTL.multipliedBy(3)).until(() -> !cutFromEtcd.runs(PROGRAM));
            assertFalse(cutFromEtcd.lock().failsafe().active(), "members that reach etcd never promise");
            awaitTakeover("holder cut from etcd", fleet, cutFromEtcd, cutAt);
            healAll(ns, peerPaths);

            // 3. Asymmetric: etcd's answers to the holder are lost (its first requests still land). The members
            // reach etcd and refuse; it fences, one takes over.
            TestFleet.Host answersLost = awaitStable(fleet);
            cutAt = System.nanoTime();
            ns.dropAnswers(NAMES.indexOf(answersLost.name()));
            await().atMost(TTL.multipliedBy(3)).until(() -> !answersLost.runs(PROGRAM));
            assertFalse(answersLost.lock().failsafe().active(), "members that reach etcd never promise");
            awaitTakeover("holder's answers from etcd lost", fleet, answersLost, cutAt);
            healAll(ns, peerPaths);

            // 4. The holder cut from etcd and from its members: no promise can reach it; it fences, one takes over.
            TestFleet.Host cutOff = awaitStable(fleet);
            cutAt = System.nanoTime();
            ns.cut(NAMES.indexOf(cutOff.name()));
            othersThan(cutOff).forEach(name -> peerPaths.get(name).blackhole());
            await().atMost(TTL.multipliedBy(3)).until(() -> !cutOff.runs(PROGRAM));
            awaitTakeover("holder cut from etcd and its members", fleet, cutOff, cutAt);
            healAll(ns, peerPaths);

            // 5. The holder cut from etcd, and etcd killed and restarted while the failover is under way (it
            // restores the holder's lease with a fresh ttl): the holder stays fenced, one takes over.
            TestFleet.Host midFailover = awaitStable(fleet);
            cutAt = System.nanoTime();
            ns.cut(NAMES.indexOf(midFailover.name()));
            await().atMost(TTL.multipliedBy(3)).until(() -> !midFailover.runs(PROGRAM));
            fleet.etcd.kill();
            fleet.etcd.restart();
            awaitTakeover("holder cut from etcd, etcd restarted mid-failover", fleet, midFailover, cutAt);
            healAll(ns, peerPaths);

            // 6. The holder cut from etcd, and etcd killed at once: the members lose it too and promise, the holder
            // runs on their promises. etcd comes back for the members only: they refuse from then on, but keep
            // what they promised while they watch its key expire. The holder fences by the end of the promises;
            // one takes over after them.
            TestFleet.Host promised = awaitStable(fleet);
            cutAt = System.nanoTime();
            ns.cut(NAMES.indexOf(promised.name()));
            fleet.etcd.kill();
            await().atMost(TTL.multipliedBy(3)).until(() -> promised.lock().failsafe().active());
            fleet.etcd.restart();
            await().atMost(TTL.multipliedBy(3)).until(() -> !promised.runs(PROGRAM));
            awaitTakeover("holder cut from etcd, etcd down and back for the members only", fleet, promised, cutAt);
            healAll(ns, peerPaths);

            // 7. Everyone cut from etcd, and etcd restarts before the links heal (it restores the leases with a
            // fresh ttl). The holder runs on promises meanwhile and keeps its key when etcd returns: same
            // program, same token, and no other host campaigns at any point.
            TestFleet.Host keeper = awaitStable(fleet);
            long token = keeper.lock().fencingToken();
            cutAt = System.nanoTime();
            keepsTheLock = keeper;
            for (int i = 0; i < NAMES.size(); i++) {
                ns.cut(i);
            }
            fleet.etcd.kill(); // down while cut: the holder's lease is not expired by a live etcd meanwhile
            await().atMost(TTL.multipliedBy(3)).until(() -> keeper.lock().failsafe().active());
            await().during(TTL).atMost(TTL.multipliedBy(3)).until(() -> keeper.runs(PROGRAM));
            fleet.etcd.restart();
            healAll(ns, peerPaths);
            await().atMost(TTL.multipliedBy(4)).until(() -> !keeper.lock().failsafe().active()
                    && fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
            await().during(TTL).atMost(TTL.multipliedBy(3)).until(() -> keeper.holds() && keeper.runs(PROGRAM));
            keepsTheLock = null;
            assertEquals(token, keeper.lock().fencingToken(), "the holder kept its tenure");
            assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, cutAt), "nobody started the program");
            long keptSince = cutAt;
            assertEquals(Optional.empty(), fleet.ledger.last("exit", keeper.name(), PROGRAM).filter(e -> e.monoNanos() > keptSince),
                    "the holder's program never stopped");
            downtimeMillis.put("everyone cut from etcd, etcd restarted, then healed", List.of(0L));

            // 8. The same, but the members reach etcd again first (their links heal once it is back, the holder's
            // after they hold new leases): from then on they refuse, but keep what they promised. The holder, back
            // within those promises, renews its restored lease and keeps its key; if it came too late it fences,
            // and still nobody campaigns while it holds the lock.
            TestFleet.Host late = awaitStable(fleet);
            long lateToken = late.lock().fencingToken();
            long lateSince = System.nanoTime();
            keepsTheLock = late;
            keeperMayFence = true;
            for (int i = 0; i < NAMES.size(); i++) {
                ns.cut(i);
            }
            fleet.etcd.kill();
            await().atMost(TTL.multipliedBy(3)).until(() -> late.lock().failsafe().active()
                    && fleet.hosts().stream().filter(h -> h != late).allMatch(h -> h.node().status().leaseId() == 0));
            fleet.etcd.restart();
            othersThan(late).forEach(name -> ns.heal(NAMES.indexOf(name)));
            await().atMost(TTL.multipliedBy(3)).until(() -> fleet.hosts().stream().filter(h -> h != late)
                    .allMatch(h -> h.node().status().leaseId() != 0));
            ns.heal(NAMES.indexOf(late.name()));
            TestFleet.Host afterLate = awaitStable(fleet);
            keepsTheLock = null;
            keeperMayFence = false;
            Optional<Ledger.Event> lateSpawn = fleet.ledger.firstSpawnAfter(PROGRAM, lateSince);
            if (lateSpawn.isEmpty()) {
                assertEquals(late, afterLate);
                assertEquals(lateToken, late.lock().fencingToken(), "the holder kept its tenure");
                downtimeMillis.put("everyone cut, etcd restarted, the members back first", List.of(0L));
            } else {
                awaitTakeover("everyone cut, etcd restarted, the members back first (the holder fenced)", fleet, late, lateSince);
            }

            // 9. Everyone cut from etcd (alive: it expires the holder's key), the members reach each other.
            // When the links heal, the holder hears "lease not found" (or reads its key gone) while the promises
            // still run: it keeps its program and takes the lock back on a new lease, a new token; nobody else
            // campaigns meanwhile.
            TestFleet.Host retaker = awaitStable(fleet);
            long oldToken = retaker.lock().fencingToken();
            long cutAll = System.nanoTime();
            keepsTheLock = retaker;
            for (int i = 0; i < NAMES.size(); i++) {
                ns.cut(i);
            }
            await().atMost(TTL.multipliedBy(3)).until(() -> retaker.lock().failsafe().active());
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(4)).until(() -> retaker.runs(PROGRAM));
            healAll(ns, peerPaths);
            await().atMost(TTL.multipliedBy(4)).until(() -> retaker.holds() && retaker.lock().fencingToken() > oldToken
                    && fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
            await().during(TTL).atMost(TTL.multipliedBy(3)).until(() -> retaker.holds() && retaker.runs(PROGRAM));
            keepsTheLock = null;
            assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, cutAll), "nobody started the program");
            assertEquals(Optional.empty(), fleet.ledger.last("exit", retaker.name(), PROGRAM).filter(e -> e.monoNanos() > cutAll),
                    "the holder's program never stopped");
            downtimeMillis.put("everyone cut from etcd (alive, so it expired the holder's key) > 2 ttl, then healed: re-taken",
                    List.of(0L));
        } finally {
            sampler.shutdownNow();
            peerPaths.values().forEach(TcpRelay::close);
        }
        report();
        assertEquals(null, twoRunning.get(), "two hosts ran the program at once (sampled)");
        assertEquals(null, otherCampaigned.get(), "a host campaigned before the holder re-took its lock");
    }

    private void sample(TestFleet fleet) {
        List<TestFleet.Host> hosts = fleet.hosts();
        List<String> running = hosts.stream().filter(h -> h.runs(PROGRAM)).map(TestFleet.Host::name).toList();
        if (running.size() > 1) {
            twoRunning.compareAndSet(null, running.toString());
        }
        TestFleet.Host keeper = keepsTheLock;
        if (keeper != null && !(keeperMayFence && !Set.of(LockRole.STARTING, LockRole.HOLDER).contains(keeper.lock().role()))) {
            hosts.stream().filter(h -> h != keeper && TAKING.contains(h.lock().role())).findFirst()
                    .ifPresent(h -> otherCampaigned.compareAndSet(null, h.name() + " was " + h.lock().role()));
        }
    }

    /** Awaits another start of the program after {@code since}; records failover and downtime. */
    private void awaitTakeover(String what, TestFleet fleet, TestFleet.Host old, long since) {
        await().atMost(TTL.multipliedBy(6)).until(() -> fleet.ledger.firstSpawnAfter(PROGRAM, since).isPresent());
        Ledger.Event spawn = fleet.ledger.firstSpawnAfter(PROGRAM, since).orElseThrow();
        long exit = fleet.ledger.last("exit", old.name(), PROGRAM).orElseThrow().monoNanos();
        assertTrue(exit < spawn.monoNanos(), what + ": " + spawn.host() + " started before " + old.name() + "'s program exited");
        failoverMillis.computeIfAbsent(what, k -> new ArrayList<>()).add((spawn.monoNanos() - since) / 1_000_000);
        downtimeMillis.computeIfAbsent(what, k -> new ArrayList<>()).add((spawn.monoNanos() - exit) / 1_000_000);
    }

    private void report() {
        System.out.println("failsafe, holder cut from its members only: no failover, no restart");
        for (String what : downtimeMillis.keySet()) {
            if (failoverMillis.containsKey(what)) {
                LatencyReport.print("failsafe, " + what + ": to the new holder's program start", failoverMillis.get(what), TTL);
            }
            LatencyReport.print("failsafe, " + what + ": downtime (old program's exit to the new one's start)",
                    downtimeMillis.get(what), TTL);
        }
        System.out.println("failsafe: 9 partition cases, double runs: 0 (sampled every 10 ms and by the ledger)");
    }

    private static List<String> othersThan(TestFleet.Host host) {
        return NAMES.stream().filter(n -> !n.equals(host.name())).toList();
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
