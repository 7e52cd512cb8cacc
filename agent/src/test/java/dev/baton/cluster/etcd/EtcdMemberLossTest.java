package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lock against a real three-member etcd cluster, every host given all three endpoints: losing
 * a member (routine maintenance) must neither stop the validator nor ever run it twice.
 */
class EtcdMemberLossTest {
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final Duration TTL = TestFleet.TTL;

    private TestFleet fleet;

    @BeforeEach
    void startCluster() {
        fleet = new TestFleet(EtcdServer.startCluster(3));
    }

    @AfterEach
    void stopAll() {
        fleet.close(); // fails when two hosts ever ran the program at once
    }

    @Test
    void losingAFollowerMemberChangesNothingAndLosingTheLeaderNeverRunsTheProgramTwice() {
        fleet.start("a");
        fleet.start("b");
        TestFleet.Host holder = fleet.awaitSingleHolder();

        // Each follower in turn: SIGKILL, then back. The holder keeps its lease and its program.
        for (EtcdServer follower : fleet.members.stream().filter(m -> !m.isLeader()).toList()) {
            long killed = System.nanoTime();
            follower.kill();
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3)).until(() -> holder.holds() && holder.runs(PROGRAM));
            assertEquals(Optional.empty(), fleet.ledger.firstSpawnAfter(PROGRAM, killed), "no failover, no restart");
            assertTrue(fleet.ledger.last("exit", holder.name(), PROGRAM).isEmpty(), "the program never stopped");
            follower.restart();
        }

        // The leader: an election (~0.5-1 s here) during which nothing renews. Whoever holds after it,
        // exactly one host runs the program (the ledger checks that no two ever overlapped).
        EtcdServer leader = fleet.members.stream().filter(EtcdServer::isLeader).findFirst().orElseThrow();
        long killed = System.nanoTime();
        leader.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.members.stream().anyMatch(EtcdServer::isLeader));
        System.out.println("leader killed: new leader after " + (System.nanoTime() - killed) / 1_000_000 + " ms, "
                + (fleet.ledger.last("exit", holder.name(), PROGRAM).isPresent() ? "the holder fenced" : "the holder kept running"));
        // The holder's renewals stall through the election, so it may still fence a moment after the line above
        // saw it running: wait for one host, whoever it is, to hold and run the program for a whole ttl.
        await().during(TTL).atMost(TTL.multipliedBy(5))
                .until(() -> fleet.holders().size() == 1 && fleet.holders().get(0).runs(PROGRAM));
        leader.restart();
        await().atMost(TTL.multipliedBy(3)).until(() -> fleet.hosts().stream().allMatch(h -> h.node().status().leaseId() != 0));
        assertEquals(Optional.empty(), fleet.overlap());
    }
}
