package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.ClusterException;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FailoverResult;
import dev.baton.cluster.LockRole;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lock and its fencing against real etcd and real processes (see {@link TestFleet} for the timings). */
class ExclusiveLockTest {
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final Duration TTL = TestFleet.TTL;

    private TestFleet fleet;

    @BeforeEach
    void startEtcd() {
        fleet = new TestFleet();
    }

    @AfterEach
    void stopAll() {
        fleet.close(); // fails when two hosts ever ran the program at once
    }

    private TestFleet.Host other(TestFleet.Host host) {
        return fleet.hosts().stream().filter(h -> h != host).findFirst().orElseThrow();
    }

    @Test
    void oneHostRunsTheProgramWithItsFencingTokenInItsEnvironment() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        assertFalse(standby.runs(PROGRAM));
        long token = holder.lock().fencingToken();
        assertTrue(token > 0);
        await().until(() -> holder.name().equals(standby.lock().holder()));
        assertEquals(token, standby.lock().holderToken());
        await().until(() -> fleet.ledger.scriptLines().stream()
                .anyMatch(l -> l.startsWith("run " + holder.name() + " " + PROGRAM) && l.endsWith(" " + token)));
    }

    @Test
    void whenTheHolderDiesTheStandbyRunsWithinTtlPlusOneSecond() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        long died = System.nanoTime();
        fleet.crash(holder.name());
        await().atMost(TTL.plusSeconds(2)).until(() -> standby.holds() && standby.runs(PROGRAM));
        long started = fleet.ledger.firstSpawnAfter(PROGRAM, died).orElseThrow().monoNanos();
        Duration failover = Duration.ofNanos(started - died);
        System.out.println("failover after holder death: " + failover.toMillis() + " ms (ttl " + TTL.toMillis() + " ms)");
        assertTrue(failover.compareTo(TTL.plusSeconds(1)) <= 0, "took " + failover);
    }

    @Test
    void etcdUnreachableTheHolderExitsBeforeItsLeaseCanExpireAndEverythingRecovers() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        long oldLease = holder.node().status().leaseId();

        fleet.etcd.stop();
        long stopped = System.nanoTime();
        await().atMost(TTL).until(() -> !holder.runs(PROGRAM));
        long exited = fleet.ledger.last("exit", holder.name(), PROGRAM).orElseThrow().monoNanos();
        long lastRenewal = holder.node().lastConfirmedRenewalNanos();
        assertTrue(lastRenewal < stopped);
        assertTrue(exited < lastRenewal + TTL.toNanos(), "exited " + (exited - lastRenewal) / 1_000_000
                + " ms after its last confirmed renewal, ttl " + TTL.toMillis() + " ms");
        System.out.println("fenced: program exited " + (exited - lastRenewal) / 1_000_000
                + " ms after the last confirmed renewal (ttl " + TTL.toMillis() + " ms)");

        // A standby never promotes without etcd, well past every lease.
        await().during(TTL.plusSeconds(1)).atMost(TTL.plusSeconds(2)).until(() -> !standby.runs(PROGRAM) && !standby.holds());
        assertEquals(0, holder.node().status().leaseId());

        fleet.etcd.restart();
        TestFleet.Host again = fleet.awaitSingleHolder();
        assertNotEquals(oldLease, again.node().status().leaseId(), "a new lease after etcd came back");
        assertTrue(again.lock().fencingToken() > 0);
        await().until(() -> fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
    }

    @Test
    void aHolderCutOffFromEtcdAloneFencesItselfBeforeTheStandbyTakesOver() {
        try (TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort())) {
            TestFleet.Host holder = fleet.startBehind(relay, "a");
            await().atMost(TTL.multipliedBy(3)).until(() -> holder.holds() && holder.runs(PROGRAM));
            TestFleet.Host standby = fleet.start("b");
            await().until(() -> holder.name().equals(standby.lock().holder()));

            // Calls from the holder now hang (no error, no reply) while the standby still reaches etcd
            relay.blackhole();
            long cut = System.nanoTime();
            await().atMost(TTL.multipliedBy(3)).until(() -> standby.holds() && standby.runs(PROGRAM));
            long exited = fleet.ledger.last("exit", holder.name(), PROGRAM).orElseThrow().monoNanos();
            long spawned = fleet.ledger.firstSpawnAfter(PROGRAM, cut).orElseThrow().monoNanos();
            long lastRenewal = holder.node().lastConfirmedRenewalNanos();
            assertTrue(exited < lastRenewal + TTL.toNanos(), "the cut-off holder's program exited "
                    + (exited - lastRenewal) / 1_000_000 + " ms after its last confirmed renewal, ttl " + TTL.toMillis() + " ms");
            assertTrue(exited < spawned, "the standby spawned before the cut-off holder's program exited");
            System.out.println("partition: holder fenced " + (exited - lastRenewal) / 1_000_000
                    + " ms after its last renewal, standby ran " + (spawned - cut) / 1_000_000 + " ms after the cut");
            assertEquals(Optional.empty(), fleet.overlap());

            // Healed: the old holder comes back as a standby and never runs the program again
            relay.heal();
            await().atMost(TTL.multipliedBy(3)).until(() -> holder.node().status().leaseId() != 0
                    && holder.lock().role() == LockRole.STANDBY && standby.name().equals(holder.lock().holder()));
            assertFalse(holder.runs(PROGRAM));
            assertEquals(List.of(standby), fleet.holders());
        }
    }

    @Test
    void etcdLosingItsDataNeverLetsTwoHostsRunNorTheFencingTokenGoBackwards() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        long before = holder.lock().fencingToken();

        long wiped = System.nanoTime();
        fleet.etcd.wipeAndRestart();
        // The holder hears "lease not found" at its next renewal and stops at once; the standby hears it
        // too and waits one ttl before campaigning, by when any forgotten holder has fenced itself.
        await().atMost(TTL).until(() -> !holder.runs(PROGRAM));
        TestFleet.Host next = fleet.awaitSingleHolder();
        long started = fleet.ledger.firstSpawnAfter(PROGRAM, wiped).orElseThrow().monoNanos();
        assertTrue(started - wiped >= TTL.toNanos(), "no campaign within one ttl of etcd losing its data");
        assertTrue(next == holder || next == standby);
        long after = next.lock().fencingToken();
        assertTrue(after > before, "token " + after + " after the wipe, " + before + " before");

        // Both hosts die, etcd loses its data again, and only the host that did not hold comes back:
        // its floor on disk (raised from what it read as a standby) keeps the token above the last one.
        TestFleet.Host bystander = other(next);
        await().until(() -> bystander.lock().holderToken() == after);
        fleet.crash(next.name());
        fleet.crash(bystander.name());
        fleet.etcd.wipeAndRestart();
        TestFleet.Host back = fleet.start(bystander.name());
        await().atMost(TTL.multipliedBy(3)).until(() -> back.holds() && back.runs(PROGRAM));
        long last = back.lock().fencingToken();
        System.out.println("fencing tokens across two etcd wipes: " + before + " -> " + after + " -> " + last);
        assertTrue(last > after, "token " + last + " after the second wipe, " + after + " before");
        List<Long> tokens = fleet.ledger.spawnTokens(PROGRAM);
        for (int i = 1; i < tokens.size(); i++) {
            assertTrue(tokens.get(i) > tokens.get(i - 1), "the program's tokens must grow: " + tokens);
        }
    }

    /**
     * Found by the model (model/lock.pml, -DOLD_QUIET): a standby whose lease lapsed while etcd lost its
     * data must not take the lock at once when it gets a new lease, since the holder etcd forgot may
     * still run until its own deadline (here it is cut off and hears nothing).
     */
    @Test
    void aStandbyBackFromACutWaitsOutAHolderThatEtcdForgot() {
        try (TcpRelay toA = new TcpRelay(fleet.etcd.clientUrl().getPort());
             TcpRelay toB = new TcpRelay(fleet.etcd.clientUrl().getPort())) {
            TestFleet.Host a = fleet.startBehind(toA, "a");
            await().atMost(TTL.multipliedBy(3)).until(() -> a.holds() && a.runs(PROGRAM));
            TestFleet.Host b = fleet.startBehind(toB, "b");
            await().until(() -> "a".equals(b.lock().holder()));

            toB.blackhole();
            await().atMost(TTL.plusSeconds(2)).until(() -> b.node().status().leaseId() == 0);
            toA.blackhole();
            long wiped = System.nanoTime();
            fleet.etcd.wipeAndRestart();
            toB.heal();
            await().atMost(TTL.multipliedBy(3)).until(() -> b.holds() && b.runs(PROGRAM));
            long exited = fleet.ledger.last("exit", "a", PROGRAM).orElseThrow().monoNanos();
            long spawned = fleet.ledger.firstSpawnAfter(PROGRAM, wiped).orElseThrow().monoNanos();
            System.out.println("forgotten holder: a exited " + (exited - wiped) / 1_000_000 + " ms after the wipe, b started "
                    + (spawned - wiped) / 1_000_000 + " ms after it");
            assertTrue(exited < spawned, "b started while the holder etcd forgot still ran");
            assertEquals(Optional.empty(), fleet.overlap());
        }
    }

    @Test
    void aStandbyThatIsNotReadyNeverTakesOver() {
        fleet.start("a");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = fleet.start("b", false, false);
        fleet.crash(holder.name());
        await().during(TTL.plusSeconds(2)).atMost(TTL.plusSeconds(3)).until(() -> !standby.runs(PROGRAM));
        assertEquals(LockRole.STANDBY, standby.lock().role());
        assertFalse(standby.lock().ready());

        standby.ready().set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> standby.holds() && standby.runs(PROGRAM));
    }

    @Test
    void plannedSwitchoverToANamedHost() throws Exception {
        fleet.start("a");
        fleet.start("b");
        fleet.start("c");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        List<TestFleet.Host> others = fleet.hosts().stream().filter(h -> h != holder).toList();
        TestFleet.Host target = others.get(0);
        TestFleet.Host bystander = others.get(1);
        long oldToken = holder.lock().fencingToken();
        await().until(() -> target.node().fleet().stream().allMatch(h -> h.locks().get(0).ready()));

        FailoverPlan plan = target.node().plan(Optional.of(target.name()));
        System.out.println(plan.render());
        assertTrue(plan.feasible(), plan.render());
        assertEquals(holder.name(), plan.holder());
        assertEquals(5, plan.steps().size());
        assertTrue(holder.runs(PROGRAM), "a plan changes nothing");

        long asked = System.nanoTime();
        FailoverResult result = bystander.node().failover(Optional.of(target.name())).get(10, TimeUnit.SECONDS);
        assertEquals(target.name(), result.newHolder());
        assertTrue(result.newToken() > oldToken);
        await().atMost(Duration.ofSeconds(10)).until(() -> target.runs(PROGRAM) && target.holds());
        long started = fleet.ledger.firstSpawnAfter(PROGRAM, asked).orElseThrow().monoNanos();
        System.out.println("planned switchover: " + (started - asked) / 1_000_000 + " ms to the new program's start");
        assertFalse(holder.runs(PROGRAM));
        assertEquals(LockRole.STANDBY, holder.lock().role());
        assertTrue(fleet.ledger.events().stream().noneMatch(e -> e.host().equals(bystander.name())));
        await().until(() -> target.lock().pendingFailover() == null);
        // No automatic fail-back: the old holder stays a standby.
        await().during(Duration.ofSeconds(2)).until(() -> target.holds() && !holder.runs(PROGRAM));
    }

    @Test
    void switchoverPlansAreRefusedWithReasons() {
        fleet.start("a");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host slow = fleet.start("b", false, false);
        await().until(() -> holder.node().fleet().size() == 2);

        FailoverPlan toSlow = holder.node().plan(Optional.of("b"));
        assertFalse(toSlow.feasible());
        assertTrue(toSlow.problems().get(0).contains("not ready"), toSlow.problems().toString());
        FailoverPlan toNobody = holder.node().plan(Optional.of("zz"));
        assertTrue(toNobody.problems().get(0).contains("no live host named zz"), toNobody.problems().toString());
        FailoverPlan toSelf = holder.node().plan(Optional.of(holder.name()));
        assertTrue(toSelf.problems().get(0).contains("already holds"), toSelf.problems().toString());
        assertFalse(holder.node().plan(Optional.empty()).feasible());

        Throwable refused = holder.node().failover(Optional.of("b")).handle((r, e) -> e).join();
        assertTrue(refused instanceof ClusterException, String.valueOf(refused));
        assertTrue(holder.runs(PROGRAM) && !slow.runs(PROGRAM));
    }

    @Test
    void theStandbyVariantRunsOnlyWhileNotHolding() throws Exception {
        fleet.start("a", true, true);
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = fleet.start("b", true, true);
        await().until(() -> standby.runs(TestFleet.STANDBY_PROGRAM) && !holder.runs(TestFleet.STANDBY_PROGRAM));
        await().until(() -> holder.node().plan(Optional.of("b")).feasible());

        holder.node().failover(Optional.empty()).get(10, TimeUnit.SECONDS);
        await().until(() -> standby.runs(PROGRAM) && holder.runs(TestFleet.STANDBY_PROGRAM));
        assertFalse(standby.runs(TestFleet.STANDBY_PROGRAM));
        long variantExit = fleet.ledger.last("exit", "b", TestFleet.STANDBY_PROGRAM).orElseThrow().monoNanos();
        long exclusiveSpawn = fleet.ledger.last("spawn", "b", PROGRAM).orElseThrow().monoNanos();
        assertTrue(variantExit < exclusiveSpawn, "the variant exits before the exclusive program starts");
        long exclusiveExit = fleet.ledger.last("exit", "a", PROGRAM).orElseThrow().monoNanos();
        long variantSpawn = fleet.ledger.last("spawn", "a", TestFleet.STANDBY_PROGRAM).orElseThrow().monoNanos();
        assertTrue(exclusiveExit < variantSpawn, "the variant starts after the exclusive program exited");
    }

    @Test
    void aHolderWhoseProgramStaysDownHandsTheLockToAStandby() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        holder.programs().killBehindTheBack(PROGRAM);
        await().atMost(TTL.plusSeconds(3)).until(() -> standby.holds() && standby.runs(PROGRAM));
        assertEquals(LockRole.STANDBY, holder.lock().role());
        assertTrue(holder.lock().lastChange().contains("has not been running"), holder.lock().lastChange());
    }

    @Test
    void aGracefulShutdownHandsOverWithoutWaitingForTheLease() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();
        TestFleet.Host standby = other(holder);
        long closing = System.nanoTime();
        fleet.shutdown(holder.name());
        await().atMost(TTL).until(() -> standby.holds() && standby.runs(PROGRAM));
        long started = fleet.ledger.firstSpawnAfter(PROGRAM, closing).orElseThrow().monoNanos();
        assertTrue(started - closing < TTL.toNanos(), "released, not expired");
        assertNull(standby.node().status().lastError());
    }
}
