package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Warm standby across two real agents (separate JVMs) and a real etcd, driven through the CLI: both
 * agents run the validator, one holds its identity; {@code baton failover} prints the plan (with
 * the safe-moment result) and changes nothing, {@code --yes} moves the identity: the holder's
 * release hook completes before the target's verify_released and acquire, and neither validator
 * is restarted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WarmStandbyAgentsTest {
    private ClusterHosts cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.closeExpectingNoViolations();
        }
    }

    private List<String> hookLines() throws Exception {
        return Files.exists(cluster.hookLog) ? Files.readAllLines(cluster.hookLog) : List.of();
    }

    private int indexOf(String action, String host, int from) throws Exception {
        List<String> lines = hookLines();
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith(action + " " + host + " ")) {
                return i;
            }
        }
        return -1;
    }

    private Set<Integer> livePids() {
        return cluster.lives().stream().filter(ClusterHosts.Life::alive).map(l -> l.pid).collect(Collectors.toSet());
    }

    @Test
    void theCliMovesTheIdentityBetweenTwoAgentsWithoutRestartingEitherValidator() throws Exception {
        cluster = new ClusterHosts();
        ClusterHosts.Host holder = cluster.startWarmStandby("a", "b");
        ClusterHosts.Host target = cluster.host(holder.name.equals("a") ? "b" : "a");
        await("both validators running").atMost(Duration.ofSeconds(30)).until(() -> livePids().size() == 2);
        Set<Integer> pids = livePids();
        assertEquals(1, hookLines().stream().filter(l -> l.startsWith("acquire ")).count(), hookLines().toString());

        // The target reports itself ready once its quiet period is over; then the dry run is feasible.
        await("the dry run is feasible").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> ClusterHosts.baton(holder, "failover", "--to", target.name).code() == 0);
        int before = hookLines().size();
        ClusterHosts.Run dry = ClusterHosts.baton(holder, "failover", "--to", target.name);
        assertTrue(dry.out().contains("safe moment: ") && dry.out().contains("exit 0 now"), dry.out());
        assertTrue(dry.out().contains("runs the release hook"), dry.out());
        assertTrue(dry.out().contains("without jitter (" + target.name + " (ready))"), dry.out());
        assertTrue(dry.out().contains("dry run: nothing changed"), dry.out());
        assertTrue(holder.identityLive(), "the dry run changed nothing");
        assertEquals(-1, indexOf("release", holder.name, before), hookLines().toString());

        ClusterHosts.Run yes = ClusterHosts.baton(holder, "failover", "--to", target.name, "--yes");
        assertEquals(0, yes.code(), yes.out() + yes.err());
        assertTrue(yes.out().contains(holder.name + " -> " + target.name), yes.out());
        await("the target's identity live").atMost(Duration.ofSeconds(20)).until(target::identityLive);

        int released = indexOf("release", holder.name, before);
        int verified = indexOf("verify", target.name, before);
        int acquired = indexOf("acquire", target.name, before);
        assertTrue(released >= 0 && verified > released && acquired > verified, hookLines().toString());
        assertTrue(hookLines().get(acquired).contains("prev=" + holder.name), hookLines().get(acquired));
        assertEquals(pids, livePids(), "both validators kept running: " + cluster.lives());
        assertEquals(2, cluster.lives().size(), "no validator was restarted: " + cluster.lives());
        assertEquals("PASSIVE", holder.identity().path("state").asText());
        String metrics = ClusterHosts.get(target, "/metrics").body();
        assertTrue(metrics.contains("baton_cluster_identity_state{lock=\"identity\",program=\"validator\",state=\"LIVE\"} 1"),
                metrics);
        assertTrue(metrics.contains("baton_cluster_identity_hook_failures_total{lock=\"identity\",program=\"validator\"} 0"),
                metrics);

        // baton fleet, from either host, shows both identities from etcd after the switchover, and nothing to warn about.
        String lockRow = "(?s).*\\n" + ClusterHosts.LOCK + " +%s +%s +(yes|no) +%s +%s +- *\\n.*";
        await("the fleet shows the switchover").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    String fleet = ClusterHosts.baton(holder, "fleet").out();
                    return fleet.matches(lockRow.formatted(target.name, "HOLDER", "\\d+", "LIVE"))
                            && fleet.matches(lockRow.formatted(holder.name, "STANDBY", "-", "PASSIVE"));
                });
        ClusterHosts.Run fleet = ClusterHosts.baton(target, "fleet");
        assertTrue(fleet.out().contains("IDENTITY  FAILSAFE"), fleet.out());
        assertFalse(fleet.out().contains("IDENTITY CONFLICT") || fleet.out().contains("NOT LIVE"), fleet.out());
        JsonNode json = ClusterHosts.json(ClusterHosts.baton(target, "fleet", "--json").out());
        assertTrue(json.path("warnings").isArray() && json.path("warnings").isEmpty(), json.toString());
    }
}
