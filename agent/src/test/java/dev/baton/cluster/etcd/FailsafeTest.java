package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.FleetWarnings;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockStatus;
import dev.baton.cluster.TlsFiles;
import io.etcd.jetcd.Client;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failsafe through an etcd outage, against a real etcd, real processes and the real peer channel
 * (mutual TLS over loopback). {@link TestFleet#close} fails the test if two hosts ever ran the program
 * at once: the ledger holds every process's life, so the invariant is checked over the whole run.
 */
class FailsafeTest {
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final Duration TTL = TestFleet.FAILSAFE_TTL;

    private static LockStatus.Failsafe failsafe(TestFleet.Host host) {
        return host.lock().failsafe();
    }

    private static List<String> othersThan(TestFleet fleet, TestFleet.Host host) {
        return fleet.hosts().stream().map(TestFleet.Host::name).filter(n -> !n.equals(host.name())).sorted().toList();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theHolderRunsThroughAWholeEtcdOutageWhileEveryMemberPromisesAndKeepsTheLockAfterwards(@TempDir Path dir) {
        TestCerts certs = TestCerts.create(dir);
        try (TestFleet fleet = new TestFleet().withFailsafe(certs)) {
            List.of("a", "b", "c").forEach(fleet::start);
            TestFleet.Host holder = fleet.awaitSingleHolder();
            List<String> members = othersThan(fleet, holder);
            await().atMost(TTL.multipliedBy(3)).until(() -> members.equals(failsafe(holder).members()));

            fleet.etcd.stop();
            // Past its lease deadline, on the members' promises; every member promised.
            await().atMost(TTL.multipliedBy(3)).until(() -> failsafe(holder).active());
            for (TestFleet.Host member : fleet.hosts()) {
                if (member != holder) {
                    await().atMost(TTL).until(() -> failsafe(member).promiseRemainingMs() > 0);
                }
            }
            // ... and keeps running for two more lease ttl without etcd.
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(4))
                    .until(() -> holder.holds() && holder.runs(PROGRAM) && failsafe(holder).confirmations() == 2);

            fleet.etcd.restart();
            // Its first renewal after etcd's return keeps its key: the same tenure goes on.
            await().atMost(TTL.multipliedBy(3)).until(() -> holder.node().status().connected() && !failsafe(holder).active());
            await().during(TTL).atMost(TTL.multipliedBy(3)).until(() -> holder.holds() && holder.runs(PROGRAM));
            assertEquals(1, fleet.ledger.spawnTokens(PROGRAM).size(), "the program was started once, by " + holder.name());
            assertTrue(fleet.ledger.last("exit", holder.name(), PROGRAM).isEmpty(), "the holder's program never stopped");
            fleet.hosts().stream().filter(h -> h != holder).forEach(h -> assertFalse(h.runs(PROGRAM)));
            // The fleet view, read by a member once etcd is back, tells the episode (the holder could not publish
            // it while it happened): its members and when it ran on their promises; nothing to warn about now.
            TestFleet.Host member = fleet.host(members.get(0));
            await().atMost(TTL.multipliedBy(2)).ignoreExceptions().until(() -> {
                LockInventory.Failsafe part = member.node().fleet().stream().filter(h -> h.host().equals(holder.name()))
                        .findFirst().orElseThrow().locks().get(0).failsafe();
                return part.members().equals(members) && part.onPromisesSince() == null
                        && part.lastOnPromises() != null && part.lastOnPromises().contains(" to ");
            });
            assertEquals(List.of(), FleetWarnings.of(member.node().fleet()));
        }
    }

    /**
     * Everyone cut from an etcd that stays up: etcd expires the holder's lease and key meanwhile. When the
     * links heal, the holder's renewal hears "lease not found"; the members' promises still cover it, so it
     * keeps its program running and takes the lock again on a new lease (a new fencing token), before any
     * member may campaign. Before this, it stopped there and the next holder waited out its quiet period
     * (~4 s of downtime at ttl 4 s).
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void whenEveryoneWasCutFromAnEtcdThatExpiredTheHoldersKeyTheHolderTakesTheLockBackWithoutStopping(@TempDir Path dir) {
        TestCerts certs = TestCerts.create(dir);
        Map<String, TcpRelay> relays = new LinkedHashMap<>();
        try (TestFleet fleet = new TestFleet().withFailsafe(certs);
             Client direct = Client.builder().endpoints(fleet.etcd.clientUrl()).build()) {
            for (String name : List.of("a", "b", "c")) {
                TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort());
                relays.put(name, relay);
                fleet.startBehind(relay, name);
            }
            TestFleet.Host holder = fleet.awaitSingleHolder();
            List<String> members = othersThan(fleet, holder);
            await().atMost(TTL.multipliedBy(3)).until(() -> members.equals(failsafe(holder).members()));
            long tokenBefore = holder.lock().fencingToken();
            LockStore store = new LockStore(direct.getKVClient(), new KeySpace(fleet.prefix), TestFleet.LOCK, Duration.ofSeconds(5));

            relays.values().forEach(TcpRelay::blackhole);
            await().atMost(TTL.multipliedBy(3)).until(() -> failsafe(holder).active());
            // etcd, alive, expires the holder's lease and with it the lock key
            await().atMost(TTL.multipliedBy(3)).until(() -> store.read().join().free());
            assertTrue(holder.runs(PROGRAM), "running on the promises");

            relays.values().forEach(TcpRelay::heal);
            await().atMost(TTL.multipliedBy(3)).until(() -> !store.read().join().free());
            LockView retaken = store.read().join();
            assertEquals(holder.name(), retaken.holderHost(), "the holder took its lock back first");
            assertTrue(retaken.token() > tokenBefore, "a new tenure, a new token: " + retaken.token() + " after " + tokenBefore);
            await().during(TTL).atMost(TTL.multipliedBy(3)).until(() -> holder.holds() && holder.runs(PROGRAM)
                    && holder.lock().fencingToken() == retaken.token());
            assertEquals(1, fleet.ledger.spawnTokens(PROGRAM).size(), "the program was started once, by " + holder.name());
            assertTrue(fleet.ledger.last("exit", holder.name(), PROGRAM).isEmpty(), "the holder's program never stopped");
        } finally {
            relays.values().forEach(TcpRelay::close);
        }
    }

    /**
     * A member list whose write landed but whose answer was lost: etcd names a new host m, which reaches etcd and
     * may take over once the holder's key expires, while the holder, cut off right after its write, knows only
     * the list before. It must ask m too (who refuses: it reaches etcd) and fence. Before, it asked only b, ran on
     * b's promise past its lease, and m took the expired key and ran the program beside it.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aHolderWhoseMemberListWriteMayHaveLandedAsksEveryHostItNames(@TempDir Path dir) {
        TestCerts certs = TestCerts.create(dir);
        try (TestFleet fleet = new TestFleet().withFailsafe(certs);
             TcpRelay toA = new TcpRelay(fleet.etcd.clientUrl().getPort());
             TcpRelay toB = new TcpRelay(fleet.etcd.clientUrl().getPort())) {
            TestFleet.Host a = fleet.startBehind(toA, "a");
            fleet.awaitSingleHolder();
            fleet.startBehind(toB, "b");
            await().atMost(TTL.multipliedBy(3)).until(() -> List.of("b").equals(failsafe(a).members()));

            // The write that adds m lands; nothing of a's gets through after it, and b is cut off as well.
            toA.blackholeAfterRequestContaining("\"hosts\":[\"b\",\"m\"]");
            TestFleet.Host m = fleet.start("m");
            await().atMost(TTL.multipliedBy(3)).until(toA::tripped);
            toB.blackhole();

            await().atMost(TTL.multipliedBy(4)).until(() -> m.holds() && m.runs(PROGRAM));
            assertFalse(a.runs(PROGRAM), "a fenced: m refused its request");
            assertEquals(Optional.empty(), fleet.overlap(), "two hosts ran the program at once");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHolderCutFromEtcdAloneIsRefusedByMembersThatReachEtcdAndFencesAndOneOfThemTakesOver(@TempDir Path dir) {
        TestCerts certs = TestCerts.create(dir);
        try (TestFleet fleet = new TestFleet().withFailsafe(certs);
             TcpRelay relay = new TcpRelay(fleet.etcd.clientUrl().getPort())) {
            TestFleet.Host holder = fleet.startBehind(relay, "a");
            fleet.awaitSingleHolder();
            fleet.start("b");
            fleet.start("c");
            await().atMost(TTL.multipliedBy(3)).until(() -> List.of("b", "c").equals(failsafe(holder).members()));

            relay.blackhole(); // real sockets that swallow every byte: a's calls to etcd hang
            await().atMost(TTL.multipliedBy(3)).until(() -> !holder.runs(PROGRAM));
            assertFalse(failsafe(holder).active(), "the members reach etcd: they must refuse");
            TestFleet.Host next = fleet.awaitSingleHolder();
            assertTrue(List.of("b", "c").contains(next.name()));
            for (String member : List.of("b", "c")) {
                assertEquals(0, failsafe(fleet.host(member)).promiseRemainingMs(), member + " promised nothing");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thePeerChannelRefusesStrangersAtTlsAndCallersThatClaimAnotherName(@TempDir Path dir) {
        TestCerts certs = TestCerts.create(dir);
        try (TestFleet fleet = new TestFleet().withFailsafe(certs)) {
            TestFleet.Host a = fleet.start("a");
            fleet.awaitSingleHolder();
            String address = "127.0.0.1:" + fleet.peerPort("a");
            FailsafeRequest fromC = new FailsafeRequest(TestFleet.LOCK, "c", 1);
            Duration limit = Duration.ofSeconds(5);

            // A certificate from the CA, naming c: a real answer (a reaches etcd, so no).
            FailsafeAnswer member = new FailsafeClient(PeerTls.context(certs.forHost("c")), limit)
                    .ask("a", address, fromC).join();
            assertFalse(member.promise());
            assertTrue(member.reason().contains("reaches etcd"), member.reason());

            // The same certificate claiming to be b: refused by name.
            FailsafeAnswer impostor = new FailsafeClient(PeerTls.context(certs.forHost("c")), limit)
                    .ask("a", address, new FailsafeRequest(TestFleet.LOCK, "b", 1)).join();
            assertFalse(impostor.promise());
            assertTrue(impostor.reason().contains("does not name b"), impostor.reason());

            // A self-signed certificate: the handshake fails, nothing is answered.
            TlsFiles rogue = new TlsFiles(certs.ca(), certs.rogueCert(), certs.rogueKey());
            FailsafeAnswer stranger = new FailsafeClient(PeerTls.context(rogue), limit).ask("a", address, fromC).join();
            assertFalse(stranger.promise());
            assertFalse(stranger.reason().contains("reaches etcd"), stranger.reason());
            assertTrue(a.holds());
        }
    }
    /**
     * A renewed peer certificate (files replaced in place) is what the next handshake presents; a key whose
     * certificate has not landed yet is not used. Before, the pair read at start stayed until the agent restarted,
     * so once it expired every member refused the holder's requests (and the holder theirs) at the handshake.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thePeerChannelPresentsARenewedCertificateAndNeverAHalfRenewedPair(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.create(dir);
        TlsFiles caller = certs.forHost("c");
        try (TestFleet fleet = new TestFleet().withFailsafe(certs)) {
            fleet.start("a");
            fleet.awaitSingleHolder();
            int port = fleet.peerPort("a");
            Path cert = dir.resolve("host-a.pem");
            Path key = dir.resolve("host-a.key");
            BigInteger first = PemKeys.certificates(cert).get(0).getSerialNumber();
            assertEquals(first, presentedSerial(caller, port));

            TlsFiles renewed = certs.expiringFor("a", Duration.ofDays(1));
            BigInteger second = PemKeys.certificates(renewed.cert()).get(0).getSerialNumber();
            Files.move(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(first, presentedSerial(caller, port), "the new key alone does not fit the old certificate");
            Files.move(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(second, presentedSerial(caller, port), "the renewed pair is used from the next handshake on");
        }
    }

    /** A fresh TLS handshake with the member at {@code port} (a new context: no session to resume). */
    private static BigInteger presentedSerial(TlsFiles caller, int port) throws Exception {
        SSLSocketFactory factory = PeerTls.context(caller).getSocketFactory();
        try (SSLSocket socket = (SSLSocket) factory.createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
