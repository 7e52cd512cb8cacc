package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cluster.etcd.TestCerts;
import dev.baton.metrics.ShippedMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every cluster metric the shipped alert rules and dashboard (metrics/) use is exported by a real
 * agent (its own JVM) with {@code [cluster]} against a real etcd. Some families exist only with a
 * feature on: the failsafe gauges with {@code failsafe = true}, the identity state and hook
 * failures with an identity-mode exclusive program. So the host runs both: mutual TLS to etcd and
 * on its peer channel, warm standby hooks; it takes the lock and its identity goes live.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterMetricNamesTest {
    private ClusterHosts cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.closeExpectingNoViolations();
        }
    }

    @Test
    void aFailsafeWarmStandbyHostExportsEveryClusterMetricTheShippedRulesUse(@TempDir Path certDir) throws Exception {
        cluster = new ClusterHosts(TestCerts.create(certDir)).failsafe();
        ClusterHosts.Host host = cluster.startWarmStandby("a");
        Set<String> used = ShippedMetrics.usedByCluster();
        assertTrue(used.contains("baton_cluster_failsafe_active") && used.contains("baton_cluster_identity_state"), used.toString());
        await("the identity live").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> metrics(host).contains(
                        "baton_cluster_identity_state{lock=\"identity\",program=\"validator\",state=\"LIVE\"} 1"));
        // Some families follow the background read of the locks (the holder as last read), a check interval
        // after the identity went live: wait for them; a family the agent never exports still fails.
        await("every family the rules use").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    String metrics = metrics(host);
                    Set<String> missing = new TreeSet<>(used);
                    missing.removeIf(name -> metrics.contains("\n" + name + "{") || metrics.contains("\n" + name + " "));
                    assertEquals(Set.of(), missing, "used by metrics/ but not exported by a cluster agent");
                });
        // The fleet view carries both parts too: the identity LIVE, the failsafe members the holder wrote (none here).
        await("the fleet shows the identity and the failsafe part").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300)).until(() -> ClusterHosts.baton(host, "fleet").out()
                        .matches("(?s).*\\n" + ClusterHosts.LOCK + " +a +HOLDER +yes +\\d+ +LIVE +members none\\n.*"));
        JsonNode lock = ClusterHosts.json(ClusterHosts.baton(host, "fleet", "--json").out()).path("fleet").path(0)
                .path("locks").path(0);
        assertEquals("LIVE", lock.path("identity").path("state").asText(), lock.toString());
        assertTrue(lock.path("failsafe").path("members").isArray(), lock.toString());
    }

    private static String metrics(ClusterHosts.Host host) {
        try {
            return ClusterHosts.get(host, "/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }
}
