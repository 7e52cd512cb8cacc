package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.TlsFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
    /**
     * The client certificate is renewed in place (new files over the old ones), then the old one expires and the
     * connection to etcd drops: the holder must connect again with the renewed certificate and keep the lock.
     * Before, the pair read at start was used until the agent restarted: every reconnection failed the handshake
     * ("certificate expired"), and the holder fenced its healthy program.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHolderUsesItsRenewedCertificateWhenItReconnectsAfterTheOldOneExpired(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.create(dir);
        // A lease of 6 s: the fence comes 5 s after the last renewal, so a busy machine's stalls do not fence here.
        Duration ttl = Duration.ofSeconds(6);
        TlsFiles files = certs.expiringFor("a", ttl.multipliedBy(3));
        X509Certificate first = PemKeys.certificates(files.cert()).get(0);
        try (TestFleet fleet = new TestFleet(certs).withLeaseTtl(ttl);
             TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort())) {
            fleet.useTls("a", files);
            TestFleet.Host a = fleet.startAt(URI.create("https://" + relay.url().getAuthority()), "a");
            fleet.awaitSingleHolder();

            TlsFiles renewed = certs.forHost("a"); // a new key too; the key lands first, as a careless renewal does
            Files.move(renewed.key(), files.key(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(renewed.cert(), files.cert(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(ttl.multipliedBy(4)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Instant.now().isAfter(first.getNotAfter().toInstant().plusSeconds(1)));
            assertTrue(a.holds() && a.runs(TestFleet.PROGRAM), "the connection made before the expiry still serves");

            relay.heal(); // closes the connection: the client connects again, with a new handshake
            await().during(ttl).atMost(ttl.multipliedBy(3)).until(() -> a.holds() && a.runs(TestFleet.PROGRAM));
            await().atMost(ttl).until(() -> a.node().status().connected());
            assertTrue(fleet.ledger.last("exit", "a", TestFleet.PROGRAM).isEmpty(), "the program never stopped");
        }
    }
}
