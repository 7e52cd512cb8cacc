package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd (Debian's etcd-server) on free loopback ports with a temp data dir: a single-member
 * cluster, one member of a {@link #startCluster several-member} one, or a single member in a
 * {@link #startIn network namespace} of its own. It can be stopped, killed and
 * restarted on the same ports and data, and cleans up after itself.
 */
public final class EtcdServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/etcd");

    private final Path dir;
    private final TestCerts certs;
    private final int clientPort;
    private final int peerPort;
    private final int healthPort;
    private final String name;
    /** Where etcd runs: null for this namespace (loopback), else its own (see {@link #startIn}). */
    private final NetNamespace ns;
    /** The network namespace etcd is started in, by name: null for this one. */
    private String netns;
    /** The address its raft peers reach it at. */
    private String peerHost = "127.0.0.1";
    /** The address the harness itself uses (health, the default client URL). */
    private final String host;
    /** --listen-client-urls, when etcd listens on more than its client URL. */
    private String clientUrls;
    /** The --initial-cluster value: every member's name=peer URL. */
    private String initialCluster;
    private Process process;

    private EtcdServer(Path dir, TestCerts certs, String name) {
        this(dir, certs, name, null, "127.0.0.1");
    }

    private EtcdServer(Path dir, TestCerts certs, String name, NetNamespace ns, String host) {
        this.dir = dir;
        this.certs = certs;
        this.name = name;
        this.ns = ns;
        this.netns = ns == null ? null : ns.name();
        this.host = host;
        int[] ports = freePorts(3);
        this.clientPort = ports[0];
        this.peerPort = ports[1];
        this.healthPort = ports[2];
        this.initialCluster = name + "=" + peerUrl();
    }

    /** Starts a plaintext etcd; skips the test (with a message) only when the etcd binary is missing. */
    public static EtcdServer start() {
        return start(null);
    }

    /** Starts etcd with client mTLS (server cert, trusted CA, --client-cert-auth) when {@code certs} is given. */
    public static EtcdServer start(TestCerts certs) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "etcd is not installed (apt-get install -y etcd-server etcd-client); CI installs it");
        EtcdServer server = new EtcdServer(tempDir(), certs, "t");
        server.launch();
        return server;
    }

    /**
     * Starts a plaintext etcd inside {@code ns}, listening on each of its links' addresses: host i
     * reaches it at {@link #clientUrl(int) clientUrl(i)}; the last link is the harness's own.
     */
    static EtcdServer startIn(NetNamespace ns, int links) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "etcd is not installed (apt-get install -y etcd-server etcd-client); CI installs it");
        EtcdServer server = new EtcdServer(tempDir(), null, "n", ns, ns.address(links - 1));
        server.clientUrls = IntStream.range(0, links)
                .mapToObj(i -> "http://" + ns.address(i) + ":" + server.clientPort).collect(Collectors.joining(","));
        server.launch();
        return server;
    }

    /** The client URL on link {@code i} of its namespace. */
    URI clientUrl(int i) {
        return URI.create("http://" + ns.address(i) + ":" + clientPort);
    }

    /** Starts a plaintext cluster of {@code members} (they start together: a lone member has no quorum). */
    static List<EtcdServer> startCluster(int members) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "etcd is not installed (apt-get install -y etcd-server etcd-client); CI installs it");
        List<EtcdServer> cluster = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            cluster.add(new EtcdServer(tempDir(), null, "m" + i));
        }
        return startTogether(cluster);
    }

    /**
     * Starts a plaintext cluster, member i in network namespace {@code namespaces[i]}, serving clients (and the
     * harness) at {@code clientHosts[i]} and its raft peers at {@code peerHosts[i]} (see {@link EtcdClusterNetwork}).
     */
    static List<EtcdServer> startCluster(List<String> namespaces, List<String> clientHosts, List<String> peerHosts) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "etcd is not installed (apt-get install -y etcd-server etcd-client); CI installs it");
        List<EtcdServer> cluster = new ArrayList<>();
        for (int i = 0; i < namespaces.size(); i++) {
            EtcdServer member = new EtcdServer(tempDir(), null, "m" + i, null, clientHosts.get(i));
            member.netns = namespaces.get(i);
            member.peerHost = peerHosts.get(i);
            member.initialCluster = member.name + "=" + member.peerUrl();
            cluster.add(member);
        }
        return startTogether(cluster);
    }

    private static List<EtcdServer> startTogether(List<EtcdServer> cluster) {
        String initial = String.join(",", cluster.stream().map(m -> m.initialCluster).toList());
        cluster.forEach(m -> m.initialCluster = initial);
        try {
            cluster.forEach(EtcdServer::spawn);
            cluster.forEach(EtcdServer::awaitHealthy);
        } catch (RuntimeException | Error e) {
            cluster.forEach(EtcdServer::close); // no member outlives a failed start
            throw e;
        }
        return cluster;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("baton-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String peerUrl() {
        return "http://" + peerHost + ":" + peerPort;
    }

    public URI clientUrl() {
        return URI.create((certs == null ? "http" : "https") + "://" + host + ":" + clientPort);
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then wait for the exit. */
    public void stop() {
        end(false);
    }

    /** SIGKILL, then wait for the exit. */
    public void kill() {
        end(true);
    }

    /** Starts again on the same ports and data dir and waits until healthy. */
    public void restart() {
        if (running()) {
            stop();
        }
        launch();
    }

    /** SIGKILL, delete the data dir, start empty: etcd forgot every key and lease (a restore gone wrong). */
    public void wipeAndRestart() {
        kill();
        delete(dir.resolve("data"));
        launch();
    }

    /** True when this member is the raft leader (from its metrics). */
    boolean isLeader() {
        return get("/metrics").lines().anyMatch(l -> l.equals("etcd_server_is_leader 1"));
    }

    /** How many leader changes this member has seen since it started (from its metrics; -1 when unreachable). */
    long leaderChanges() {
        return get("/metrics").lines().filter(l -> l.startsWith("etcd_server_leader_changes_seen_total "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private void launch() {
        spawn();
        awaitHealthy();
    }

    private void spawn() {
        List<String> command = new ArrayList<>(netns == null ? List.of() : List.of("ip", "netns", "exec", netns));
        command.addAll(List.of(BINARY.toString(),
                "--name", name, "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", clientUrls != null ? clientUrls : clientUrl().toString(),
                "--advertise-client-urls", clientUrl().toString(),
                "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                "--listen-metrics-urls", "http://" + host + ":" + healthPort,
                // Loopback only: short raft timings make elections and restarts fast.
                "--heartbeat-interval", "50", "--election-timeout", "500",
                "--logger", "zap", "--log-level", "warn"));
        if (certs != null) {
            command.addAll(List.of("--cert-file", certs.serverCert().toString(), "--key-file", certs.serverKey().toString(),
                    "--trusted-ca-file", certs.ca().toString(), "--client-cert-auth"));
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitHealthy() {
        await("etcd " + name + " healthy").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("etcd exited: " + Files.readString(dir.resolve("etcd.log")));
                    }
                    return healthy();
                });
    }

    private boolean healthy() {
        return get("/health").contains("true");
    }

    /** The body of a GET on the metrics port ("" when it fails). */
    private String get(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + healthPort + path)
                    .toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(500);
            try {
                return c.getResponseCode() == 200 ? new String(c.getInputStream().readAllBytes()) : "";
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return "";
        }
    }

    private void end(boolean forcibly) {
        if (process == null) {
            return;
        }
        if (forcibly) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        delete(dir);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }
}
