package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.ClusterSettings;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
    private static final Duration TTL = Duration.ofSeconds(2);

    private EtcdServer etcd;
    private Client client;
    private ScheduledExecutorService loop;
    private LeaseKeeper keeper;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Long> lostAtNanos = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        etcd = EtcdServer.start();
        ClusterSettings settings = ClusterSettings.defaults(List.of(etcd.clientUrl()))
                .withLeaseTiming(TTL, Duration.ofMillis(300), Duration.ofMillis(300));
        client = EtcdClients.connect(settings);
        loop = Executors.newSingleThreadScheduledExecutor();
        keeper = new LeaseKeeper(client.getLeaseClient(), settings, loop, new LastError());
        keeper.addListener(new LeaseKeeper.Listener() {
            @Override
            public void leaseGranted(long leaseId) {
                events.add("granted " + leaseId);
            }

            @Override
            public void leaseLost(long leaseId, String reason) {
                lostAtNanos.add(System.nanoTime());
                events.add("lost " + leaseId + ": " + reason);
            }
        });
        keeper.start();
        await().until(() -> keeper.leaseId() != 0);
    }

    @AfterEach
    void stop() {
        loop.shutdownNow();
        client.close();
        etcd.close();
    }

    @Test
    void renewalsMoveTheLocalDeadlineAndAStartBeginsAQuietPeriod() {
        long first = keeper.lastConfirmedNanos();
        assertTrue(keeper.quietRemaining().compareTo(Duration.ZERO) > 0, "no lock right after start");
        await().until(() -> keeper.lastConfirmedNanos() > first);
        LeaseKeeper.Tenure t = keeper.tenure();
        assertEquals(keeper.lastConfirmedNanos() + TTL.toNanos(), t.deadlineNanos());
        await().atMost(TTL.plusSeconds(1)).until(() -> keeper.quietRemaining().isZero());
        assertEquals(1, events.size(), events.toString());
    }

    @Test
    void aLeaseEtcdNoLongerKnowsIsReplacedAndStartsAQuietPeriod() throws Exception {
        await().atMost(TTL.plusSeconds(1)).until(() -> keeper.quietRemaining().isZero());
        long old = keeper.leaseId();
        client.getLeaseClient().revoke(old).get(5, TimeUnit.SECONDS); // etcd forgets it (as after a wipe)
        await().atMost(Duration.ofSeconds(10)).until(() -> keeper.leaseId() != 0 && keeper.leaseId() != old);
        assertTrue(events.get(1).startsWith("lost " + old + ": etcd no longer knows the lease"), events.toString());
        assertTrue(events.get(2).startsWith("granted "), events.toString());
        assertTrue(keeper.quietRemaining().compareTo(Duration.ofMillis(500)) > 0, "etcd lost state: wait one ttl");
    }

    @Test
    void withoutEtcdTheLeaseIsLostAtTheLocalDeadlineAndANewOneComesWithEtcd() {
        long old = keeper.leaseId();
        etcd.kill();
        long deadline = keeper.tenure().deadlineNanos();
        await().atMost(TTL.plusSeconds(1)).until(() -> keeper.leaseId() == 0);
        long late = lostAtNanos.get(0) - deadline;
        // Never before the deadline (that is the safety part); how soon after is the scheduler's business on a
        // loaded machine, bounded here by one more ttl.
        assertTrue(late >= 0 && late < TTL.toNanos(), "lost " + late / 1_000_000 + " ms after the deadline");
        assertTrue(events.get(1).contains("no renewal confirmed within the lease ttl"), events.toString());

        etcd.restart(); // restores the old lease with a fresh ttl: the keeper revokes it and takes a new one
        await().atMost(Duration.ofSeconds(5)).until(() -> keeper.leaseId() != 0);
        assertNotEquals(old, keeper.leaseId());
        // Revoked, not merely expired: etcd restored it with a fresh ttl of 2s.
        await().atMost(Duration.ofMillis(800)).ignoreExceptions().until(() -> client.getLeaseClient()
                .timeToLive(old, LeaseOption.DEFAULT).get(2, TimeUnit.SECONDS).getTTL() <= 0);
    }
}
