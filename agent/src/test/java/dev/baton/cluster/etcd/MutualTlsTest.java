package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd with client-certificate auth, as in Solana's failover guide; certificates made by openssl at test time. */
class MutualTlsTest {

    @Test
    void hostsWithCertificatesFromTheCaShareTheLockAndStrangersGetNothing(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.create(dir);
        try (TestFleet fleet = new TestFleet(certs)) {
            assertTrue(fleet.etcd.clientUrl().toString().startsWith("https://127.0.0.1:"));
            TestFleet.Host a = fleet.start("a"); // PKCS#1 RSA client key, as cfssl writes it
            TestFleet.Host b = fleet.start("b");
            await().atMost(TestFleet.TTL.multipliedBy(3)).until(() -> fleet.holders().size() == 1);
            TestFleet.Host holder = fleet.holders().get(0);
            TestFleet.Host standby = holder == a ? b : a;
            await().until(() -> standby.node().fleet().size() == 2);

            standby.node().failover(Optional.of(standby.name())).get(10, TimeUnit.SECONDS);
            await().until(() -> standby.runs(TestFleet.PROGRAM) && !holder.runs(TestFleet.PROGRAM));

            ClusterSettings rogue = fleet.settings("rogue")
                    .withTls(new TlsFiles(certs.ca(), certs.rogueCert(), certs.rogueKey()));
            try (Cluster stranger = Cluster.start(rogue, List.of(), fleet.stateDir("rogue"), new RecordingPrograms("rogue", fleet.ledger,
                    Duration.ofSeconds(1)), () -> new LocalInventory("x", List.of(), Map.of()), EngineRoles.NONE)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> stranger.status().lastError() != null);
                assertEquals(0, stranger.status().leaseId());
                assertEquals(2, standby.node().fleet().size(), "the stranger could not publish itself");
            }
        }
    }
}
