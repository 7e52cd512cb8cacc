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
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real single-member etcd (Debian's etcd-server) on free loopback ports with a temp data dir. It can
 * be stopped, killed and restarted on the same ports and data, and cleans up after itself.
 */
public final class EtcdServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/etcd");

    private final Path dir;
    private final TestCerts certs;
    private final int clientPort;
    private final int peerPort;
    private final int healthPort;
    private Process process;

    private EtcdServer(Path dir, TestCerts certs) {
        this.dir = dir;
        this.certs = certs;
        int[] ports = freePorts(3);
        this.clientPort = ports[0];
        this.peerPort = ports[1];
        this.healthPort = ports[2];
    }

    /** Starts a plaintext etcd; skips the test (with a message) only when the etcd binary is missing. */
    public static EtcdServer start() {
        return start(null);
    }

    /** Starts etcd with client mTLS (server cert, trusted CA, --client-cert-auth) when {@code certs} is given. */
    public static EtcdServer start(TestCerts certs) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "etcd is not installed (apt-get install -y etcd-server etcd-client); CI installs it");
        try {
            EtcdServer server = new EtcdServer(Files.createTempDirectory("baton-etcd-"), certs);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI clientUrl() {
        return URI.create((certs == null ? "http" : "https") + "://127.0.0.1:" + clientPort);
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

    private void launch() {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(),
                "--name", "t", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", clientUrl().toString(), "--advertise-client-urls", clientUrl().toString(),
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "t=http://127.0.0.1:" + peerPort, "--initial-cluster-state", "new",
                "--listen-metrics-urls", "http://127.0.0.1:" + healthPort,
                // A single member: a short election timeout only makes restarts faster.
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
        await("etcd healthy").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("etcd exited: " + Files.readString(dir.resolve("etcd.log")));
                    }
                    return healthy();
                });
    }

    private boolean healthy() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + healthPort + "/health")
                    .toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(500);
            try {
                return c.getResponseCode() == 200 && new String(c.getInputStream().readAllBytes()).contains("true");
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
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
