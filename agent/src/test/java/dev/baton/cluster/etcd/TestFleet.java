package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.FailsafeSettings;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.LockStatus;
import dev.baton.cluster.ProgramInventory;
import dev.baton.cluster.ReadinessSpec;
import dev.baton.cluster.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Several hosts in one JVM against one real etcd (or a real several-member cluster), each with its own {@link ClusterNode}, its own fake
 * supervisor spawning real processes, and a readiness switch. Short timings that still satisfy the
 * validation rules: ttl 3s, renew 0.5s, retry 0.5s, stop timeout 0.5s, fence margin 0.5s.
 */
final class TestFleet implements AutoCloseable {
    static final String PROGRAM = "validator";
    static final String STANDBY_PROGRAM = "validator-secondary";
    static final String LOCK = "identity";
    static final Duration TTL = Duration.ofSeconds(3);
    /** The lease ttl of hosts started with failsafe ({@link #withFailsafe}). */
    static final Duration FAILSAFE_TTL = Duration.ofSeconds(4);
    static final Duration STOP_TIMEOUT = Duration.ofMillis(500);

    /** One fake host. */
    record Host(String name, ClusterNode node, RecordingPrograms programs, AtomicBoolean ready) {
        LockStatus lock() {
            return node.status().locks().get(0);
        }

        boolean holds() {
            return lock().role() == LockRole.HOLDER;
        }

        boolean runs(String program) {
            return programs.isRunning(program);
        }
    }

    /** The etcd (the first member, for a cluster). */
    final EtcdServer etcd;
    final List<EtcdServer> members;
    final Ledger ledger;
    final String prefix = "/t-" + UUID.randomUUID() + "/";
    private final Path dir;
    private final TestCerts certs;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private TestCerts peerCerts;
    private final Map<String, String> peerAddresses = new LinkedHashMap<>();

    /** Hosts started from now on run with failsafe, their peer channel on a free loopback port, certificates from {@code certs}. */
    TestFleet withFailsafe(TestCerts certs) {
        this.peerCerts = certs;
        return this;
    }

    /** Hosts started from now on (without failsafe) take leases of {@code ttl}: more slack for a slow machine. */
    TestFleet withLeaseTtl(Duration ttl) {
        this.ttl = ttl;
        return this;
    }

    private Duration ttl = TTL;

    /** Host {@code name}, when started, reaches etcd with these TLS files instead of the shared client certificate. */
    void useTls(String name, TlsFiles files) {
        tlsFiles.put(name, files);
    }

    private final Map<String, TlsFiles> tlsFiles = new LinkedHashMap<>();

    /** Host {@code name} publishes {@code address} as its peer address (e.g. a relay in front of its real port). */
    void publishPeerAddress(String name, String address) {
        peerAddresses.put(name, address);
    }

    /** The loopback port the host's peer channel listens on (chosen now or at its start). */
    int peerPort(String name) {
        return peerPorts.computeIfAbsent(name, h -> freePort());
    }

    private final Map<String, Integer> peerPorts = new LinkedHashMap<>();

    TestFleet() {
        this((TestCerts) null);
    }

    TestFleet(TestCerts certs) {
        this(certs, List.of(EtcdServer.start(certs)));
    }

    /** Against the members of a plaintext cluster, every host given all their endpoints. */
    TestFleet(List<EtcdServer> members) {
        this(null, members);
    }

    private TestFleet(TestCerts certs, List<EtcdServer> members) {
        this.certs = certs;
        this.members = List.copyOf(members);
        this.etcd = members.get(0);
        try {
            this.dir = Files.createTempDirectory("baton-fleet-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.ledger = new Ledger(dir.resolve("ledger.txt"));
    }

    ClusterSettings settings(String host) {
        return settings(host, endpoints());
    }

    private List<URI> endpoints() {
        return members.stream().map(EtcdServer::clientUrl).toList();
    }

    private ClusterSettings settings(String host, List<URI> endpoints) {
        ClusterSettings s = ClusterSettings.defaults(endpoints)
                .withHost(host)
                .withKeyPrefix(prefix)
                .withLeaseTiming(ttl, Duration.ofMillis(500), Duration.ofMillis(500))
                .withTakeover(Duration.ofMillis(300), Duration.ofMillis(500))
                .withIntervals(Duration.ofMillis(250), Duration.ofSeconds(6), Duration.ofSeconds(1));
        s = certs == null ? s : s.withTls(tlsFiles.getOrDefault(host,
                new TlsFiles(certs.ca(), certs.clientCert(), certs.clientKeyPkcs1())));
        if (peerCerts == null) {
            return s;
        }
        int port = peerPorts.computeIfAbsent(host, h -> freePort());
        // One more second of lease: a member counts as cut off after renew + retry (1 s) of silence and may have
        // renewed up to renew (0.5 s) after the holder, whose fence comes at ttl - 1 s; with ttl 3 s that leaves
        // a single round of asking (0.5 s) for the promises, with 4 s three (see docs/cluster.md, failsafe).
        s = s.withLeaseTiming(FAILSAFE_TTL, s.renewInterval(), s.retryTimeout());
        return s.withFailsafe(new FailsafeSettings(peerAddresses.getOrDefault(host, "127.0.0.1:" + port),
                "127.0.0.1:" + port, peerCerts.forHost(host)));
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ExclusiveProgramSettings exclusive(boolean withStandbyProgram) {
        return new ExclusiveProgramSettings(PROGRAM, LOCK, new ReadinessSpec.EngineRole(PROGRAM, Set.of("caught-up")),
                withStandbyProgram ? STANDBY_PROGRAM : null, STOP_TIMEOUT);
    }

    Host start(String name) {
        return start(name, false, true);
    }

    /** A host that reaches etcd only through {@code relay} (to cut it off alone). */
    Host startBehind(TcpRelay relay, String name) {
        return startAt(relay.url(), name);
    }

    /** A host that reaches etcd at {@code endpoint} only (a relay, a link of a network namespace). */
    Host startAt(URI endpoint, String name) {
        return start(name, false, true, List.of(endpoint));
    }

    Host start(String name, boolean withStandbyProgram, boolean ready) {
        return start(name, withStandbyProgram, ready, endpoints());
    }

    private Host start(String name, boolean withStandbyProgram, boolean ready, List<URI> endpoints) {
        RecordingPrograms programs = new RecordingPrograms(name, ledger, STOP_TIMEOUT);
        AtomicBoolean readyFlag = new AtomicBoolean(ready);
        EngineRoles roles = program -> readyFlag.get() ? Optional.of("caught-up") : Optional.of("catching-up");
        InventorySource inventory = () -> new LocalInventory("0.1.0-test",
                List.of(new ProgramInventory(PROGRAM, "2.0." + name.length(), programs.isRunning(PROGRAM) ? "RUNNING" : "STOPPED", null)),
                Map.of("solana", "2.0.1"));
        ClusterSettings settings = settings(name, endpoints);
        List<ExclusiveProgramSettings> exclusive = List.of(exclusive(withStandbyProgram));
        assertEquals(List.of(), Cluster.validate(settings, exclusive));
        ClusterNode node = (ClusterNode) Cluster.start(settings, exclusive, stateDir(name), programs, inventory, roles);
        Host host = new Host(name, node, programs, readyFlag);
        hosts.put(name, host);
        return host;
    }

    /** The host's state directory: it outlives a crash, as a real host's disk does. */
    Path stateDir(String host) {
        try {
            return Files.createDirectories(dir.resolve("state-" + host));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Host host(String name) {
        return hosts.get(name);
    }

    List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** Waits until exactly one host holds the lock and runs the program (at most 3 ttl); returns it. */
    Host awaitSingleHolder() {
        Duration leaseTtl = peerCerts == null ? ttl : FAILSAFE_TTL;
        await().atMost(leaseTtl.multipliedBy(3)).until(() -> holders().size() == 1 && holders().get(0).runs(PROGRAM));
        return holders().get(0);
    }

    /** The hosts whose status says HOLDER. */
    List<Host> holders() {
        return hosts.values().stream().filter(Host::holds).toList();
    }

    /** The host dies: its agent stops without releasing anything and its programs are killed. */
    void crash(String name) {
        Host host = hosts.remove(name);
        host.node().crash();
        host.programs().crash();
    }

    /** Graceful agent shutdown (the holder stops its program and releases the lock). */
    void shutdown(String name) {
        Host host = hosts.remove(name);
        host.node().close();
        host.programs().close();
    }

    Optional<String> overlap() {
        return ledger.overlap(PROGRAM);
    }

    /** Stops everything, then fails if the ledger shows two hosts running the program at once. */
    @Override
    public void close() {
        for (Host host : hosts.values()) {
            host.node().crash();
            host.programs().close();
        }
        hosts.clear();
        members.forEach(EtcdServer::close);
        Optional<String> overlap = overlap();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
        overlap.ifPresent(o -> {
            throw new AssertionError("two hosts ran the exclusive program at once: " + o);
        });
    }
}
