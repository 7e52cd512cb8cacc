package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.cli.Main;
import dev.baton.cluster.TlsFiles;
import dev.baton.cluster.etcd.EtcdServer;
import dev.baton.cluster.etcd.TestCerts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Real agents, each in its own JVM with its own state directory and API port, in one etcd cluster
 * (a real etcd on loopback). Every host runs the same exclusive program, a script that appends its
 * life to one shared ledger ({@code start HOST PID WALL_NANOS TOKEN} when it starts, {@code stop HOST
 * PID WALL_NANOS} on SIGTERM), and a plain program. A host is ready to take over while the file
 * {@code ready} exists in its directory (the readiness check is a command the agent runs itself).
 *
 * <p>A sampler thread watches the ledger's processes every few milliseconds in /proc (zombies count
 * as gone): a process killed without a stop line (SIGKILL) ends when the sampler sees it gone, and at
 * no sampled instant may two hosts have a live exclusive program.
 *
 * <p>Timings: lease ttl {@link #TTL}, renew 500ms, retry 1s, stop timeout 500ms, fence margin 500ms
 * (0.5 + 2 x 1 + 0.5 + 0.5 = 3.5s fits in the 4s ttl), jitter 300ms.
 */
final class ClusterHosts implements AutoCloseable {
    static final Duration TTL = Duration.ofSeconds(4);
    static final String PROGRAM = "validator";
    static final String LOCK = "identity";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(5);

    /** One life of the exclusive program, as the ledger and the sampler saw it. */
    static final class Life {
        final String host;
        final int pid;
        final long startNanos;
        final long token;
        volatile long stopNanos;   // its own "stop" line (SIGTERM), 0 without one
        volatile long goneNanos;   // when the sampler saw it gone, 0 while alive

        Life(String host, int pid, long startNanos, long token) {
            this.host = host;
            this.pid = pid;
            this.startNanos = startNanos;
            this.token = token;
        }

        boolean alive() {
            return goneNanos == 0;
        }

        /** The end for overlap checks: the stop line when it wrote one, else when it was seen gone. */
        long endNanos() {
            return stopNanos != 0 ? stopNanos : goneNanos;
        }

        @Override
        public String toString() {
            return host + " pid " + pid + " token " + token + " [" + startNanos + ", " + endNanos() + "]";
        }
    }

    /** One agent. */
    final class Host {
        final String name;
        final Path dir;
        final int port;
        AgentProcess agent;

        Host(String name, Path dir, int port) {
            this.name = name;
            this.dir = dir;
            this.port = port;
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        Path tokenFile() {
            return dir.resolve("state/api.token");
        }

        void ready(boolean ready) {
            try {
                if (ready) {
                    Files.writeString(dir.resolve("ready"), "");
                } else {
                    Files.deleteIfExists(dir.resolve("ready"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** This host's {@code GET /v1/cluster}, or null when the agent does not answer. */
        JsonNode cluster() {
            return getJson(this, "/v1/cluster");
        }

        /** Its role in the lock (HOLDER, STANDBY, ...), or null when it does not answer. */
        String role() {
            JsonNode c = cluster();
            return c == null ? null : c.path("locks").path(0).path("role").asText(null);
        }

        boolean holds() {
            return "HOLDER".equals(role());
        }

        /** Warm standby: its identity's entry in {@code GET /v1/cluster}, or null when the agent does not answer. */
        JsonNode identity() {
            JsonNode c = cluster();
            return c == null ? null : c.path("identities").path(0);
        }

        /** Warm standby: it holds the lock and its identity is LIVE. */
        boolean identityLive() {
            JsonNode i = identity();
            return i != null && "LIVE".equals(i.path("state").asText()) && holds();
        }

        boolean connected() {
            JsonNode c = cluster();
            return c != null && c.path("connected").asBoolean();
        }

        /** True while the ledger shows a live exclusive program of this host. */
        boolean runs() {
            return lives.stream().anyMatch(l -> l.host.equals(name) && l.alive());
        }

        void start() throws IOException {
            agent = AgentProcess.start(dir.resolve("baton.toml"));
        }

        void sigkill() {
            agent.sigkill();
        }

        int sigterm() throws InterruptedException {
            return agent.sigterm();
        }

        String log() {
            return AgentProcess.read(dir.resolve("agent.stdout")) + AgentProcess.read(dir.resolve("agent.stderr"));
        }
    }

    record Run(int code, String out, String err) {
    }

    final EtcdServer etcd;
    final TestCerts certs;
    final Path dir;
    final Path ledger;
    private final String prefix = "/t-" + UUID.randomUUID() + "/";
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<Life> lives = new CopyOnWriteArrayList<>();
    private final Map<Integer, Life> byPid = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Thread sampler;
    private volatile boolean closed;
    /** Warm standby: every host runs the program, the lock moves its identity (hooks append to {@link #hookLog}). */
    private boolean warmStandby;
    /** Failsafe through an etcd outage, with a peer channel per host ({@link #failsafe()}). */
    private boolean failsafe;
    final Path hookLog;
    private long ledgerOffset;
    private long samples;

    ClusterHosts() throws IOException {
        this(null);
    }

    /** With {@code certs}: etcd with client-certificate auth, agents with tls_ca, tls_cert and a PKCS#1 tls_key. */
    ClusterHosts(TestCerts certs) throws IOException {
        this.certs = certs;
        this.etcd = EtcdServer.start(certs);
        this.dir = Files.createTempDirectory("baton-cluster-agents-");
        this.ledger = dir.resolve("ledger.txt");
        Files.writeString(ledger, "");
        this.hookLog = dir.resolve("hooks.log");
        Files.writeString(dir.resolve("hook.sh"), """
                #!/bin/sh
                echo "$1 $2 token=${BATON_FENCING_TOKEN:-} prev=${BATON_PREVIOUS_HOLDER:-}" >> "$(dirname "$0")/hooks.log"
                """);
        dir.resolve("hook.sh").toFile().setExecutable(true);
        Files.writeString(dir.resolve("validator.sh"), """
                #!/bin/bash
                # Times from bash's own clock (EPOCHREALTIME, microseconds), not $(date): the stop line must not
                # need a fork and an exec, which on a loaded machine outlast the 500 ms stop_timeout (then
                # SIGKILL, and the life looks killed without its stop line)
                trap 'echo "stop $TEST_HOST $$ ${EPOCHREALTIME/[.,]/}000" >> "$TEST_LEDGER"; kill $! 2>/dev/null; exit 0' TERM
                echo "start $TEST_HOST $$ ${EPOCHREALTIME/[.,]/}000 ${BATON_FENCING_TOKEN:-0}" >> "$TEST_LEDGER"
                while :; do sleep 0.1 & wait $!; done
                """);
        dir.resolve("validator.sh").toFile().setExecutable(true);
        this.sampler = new Thread(this::sample, "ledger-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /**
     * Warm standby from here on: the program runs on every host (so two running programs are no
     * violation), and hosts added later get identity hooks (acquire, release, verify_released) and a
     * safe-moment check, all {@code hook.sh ACTION HOST} appending to {@link #hookLog}, and a lease ttl
     * of 6s (renew 0.5 + 2 x retry 1 + hook timeout 2 + stop 0.5 + fence margin 0.5 = 5.5s).
     */
    ClusterHosts warmStandby() {
        warmStandby = true;
        return this;
    }

    /**
     * Failsafe from here on ({@code [cluster] failsafe = true}): hosts added later get a peer
     * channel on a free loopback port and a peer certificate naming them. Needs the TLS constructor.
     */
    ClusterHosts failsafe() {
        if (certs == null) {
            throw new IllegalStateException("failsafe needs peer certificates: new ClusterHosts(TestCerts)");
        }
        failsafe = true;
        return this;
    }

    private String failsafe(String host) {
        if (!failsafe) {
            return "";
        }
        TlsFiles peer = certs.forHost(host);
        return "\nfailsafe = true\npeer_address = \"127.0.0.1:" + freePort() + "\"\npeer_tls_ca = \"" + peer.ca()
                + "\"\npeer_tls_cert = \"" + peer.cert() + "\"\npeer_tls_key = \"" + peer.key() + "\"";
    }

    private String identity(String host) {
        if (!warmStandby) {
            return "";
        }
        String hook = dir.resolve("hook.sh").toString();
        return (", safe_moment = [\"%1$s\", \"safe\", \"%2$s\"], identity = { acquire = [\"%1$s\", \"acquire\", \"%2$s\"],"
                + " release = [\"%1$s\", \"release\", \"%2$s\"], verify_released = [\"%1$s\", \"verify\", \"%2$s\"],"
                + " timeout = \"2s\" }").formatted(hook, host);
    }

    /** Writes the host's config (not started yet). */
    Host add(String name, boolean ready) throws IOException {
        Path hostDir = Files.createDirectories(dir.resolve(name));
        Host host = new Host(name, hostDir, freePort());
        host.ready(ready);
        Files.writeString(hostDir.resolve("baton.toml"), """
                [agent]
                state_dir = "%s"
                shutdown_timeout = "20s"

                [api]
                port = %d

                [cluster]
                endpoints = ["%s"]%s
                host = "%s"
                key_prefix = "%s"
                lease_ttl = "%ds"
                renew_interval = "500ms"
                retry_timeout = "1s"
                fence_margin = "500ms"
                takeover_jitter = "300ms"
                check_interval = "250ms"
                failover_timeout = "10s"
                inventory_refresh = "1s"

                [programs.validator]
                command = ["%s"]
                environment = { TEST_HOST = "%s", TEST_LEDGER = "%s" }
                start_secs = "0s"
                stop_timeout = "500ms"
                restart = "always"
                exclusive = { lock = "%s", ready_command = ["/usr/bin/test", "-e", "%s"], ready_timeout = "2s"%s }

                [programs.node]
                command = ["sleep", "3600"]
                start_secs = "0s"
                stop_timeout = "1s"
                """.formatted(hostDir.resolve("state"), host.port, etcd.clientUrl(), tls() + failsafe(name), name, prefix,
                warmStandby ? 6 : TTL.toSeconds(), dir.resolve("validator.sh"), name, ledger, LOCK, hostDir.resolve("ready"),
                identity(name)));
        hosts.put(name, host);
        return host;
    }

    private String tls() {
        return certs == null ? "" : "\ntls_ca = \"" + certs.ca() + "\"\ntls_cert = \"" + certs.clientCert()
                + "\"\ntls_key = \"" + certs.clientKeyPkcs1() + "\"";
    }

    Host start(String name, boolean ready) throws IOException {
        Host host = hosts.containsKey(name) ? hosts.get(name) : add(name, ready);
        host.ready(ready);
        host.start();
        return host;
    }

    Host host(String name) {
        return hosts.get(name);
    }

    List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** Waits until exactly one host holds the lock and runs the program, and every running host is connected. */
    Host awaitOneHolder(Duration atMost) {
        await("one holder running " + PROGRAM).atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<Host> running = hosts.values().stream().filter(h -> h.agent != null && h.agent.process.isAlive()).toList();
            List<Host> holders = running.stream().filter(Host::holds).toList();
            return holders.size() == 1 && holders.get(0).runs() && running.stream().allMatch(Host::connected)
                    && lives.stream().filter(Life::alive).count() == 1;
        });
        return hosts.values().stream().filter(h -> h.agent != null && h.agent.process.isAlive() && h.holds())
                .findFirst().orElseThrow();
    }

    /**
     * Warm standby agents, every one ready, started together: waits until they answer and exactly one
     * holds the lock with its identity LIVE, and returns that one.
     */
    Host startWarmStandby(String... names) throws IOException {
        warmStandby();
        for (String name : names) {
            start(name, true);
        }
        awaitApis(Duration.ofSeconds(60));
        await("one live identity").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> hosts.values().stream().filter(Host::identityLive).count() == 1);
        return hosts.values().stream().filter(Host::identityLive).findFirst().orElseThrow();
    }

    /** For {@code @AfterEach}: {@link #close}, then no check may have failed (no double run of the program). */
    void closeExpectingNoViolations() {
        close();
        assertEquals(List.of(), violations());
    }

    /** Waits until every started agent answers on its API. */
    void awaitApis(Duration atMost) {
        await("agents answering").atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> hosts.values().stream()
                .filter(h -> h.agent != null && h.agent.process.isAlive()).allMatch(h -> h.cluster() != null));
    }

    // ---- the ledger --------------------------------------------------------------------------------

    static long now() {
        return ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now());
    }

    List<Life> lives() {
        readLedger();
        return List.copyOf(lives);
    }

    /** The first start of the program after {@code afterNanos} (wall clock), by any host. */
    Optional<Life> firstStartAfter(long afterNanos) {
        return lives().stream().filter(l -> l.startNanos > afterNanos).min(Comparator.comparingLong(l -> l.startNanos));
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /**
     * Two hosts' lives that overlap in time, using each life's stop line (or when it was seen gone):
     * a finer check than the sampler, for lives that ended by SIGTERM.
     */
    List<String> overlaps() {
        List<Life> all = lives();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Life a = all.get(i);
                Life b = all.get(j);
                if (a.host.equals(b.host)) {
                    continue;
                }
                long aEnd = a.alive() && a.stopNanos == 0 ? Long.MAX_VALUE : a.endNanos();
                long bEnd = b.alive() && b.stopNanos == 0 ? Long.MAX_VALUE : b.endNanos();
                if (a.startNanos < bEnd && b.startNanos < aEnd) {
                    out.add(a + " overlaps " + b);
                }
            }
        }
        return out;
    }

    /** Fencing tokens in start order must only grow. */
    List<Long> tokens() {
        return lives().stream().sorted(Comparator.comparingLong(l -> l.startNanos)).map(l -> l.token).toList();
    }

    long sampleCount() {
        return samples;
    }

    private void sample() {
        while (!closed) {
            try {
                readLedger();
                long now = now();
                TreeSet<String> running = new TreeSet<>();
                for (Life life : lives) {
                    if (life.alive()) {
                        if (processGone(life.pid)) {
                            // A stop line written just before the exit, after this pass read the ledger: read it
                            // now, or the life would be taken for one killed without its stop line
                            readLedger();
                            life.goneNanos = now;
                        } else {
                            running.add(life.host);
                        }
                    }
                }
                samples++;
                if (running.size() > 1 && !warmStandby) {
                    violations.add("at " + Instant.ofEpochSecond(0, now) + " hosts " + running + " both run " + PROGRAM
                            + ": " + lives.stream().filter(Life::alive).toList());
                }
                Thread.sleep(SAMPLE_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                violations.add("sampler failed: " + e);
            }
        }
    }

    /** Gone, or a zombie, or the pid now belongs to another program. */
    private static boolean processGone(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            char state = stat.charAt(close + 2);
            if (state == 'Z' || state == 'X') {
                return true;
            }
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
            return !cmdline.contains("validator.sh");
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    private synchronized void readLedger() {
        try (RandomAccessFile f = new RandomAccessFile(ledger.toFile(), "r")) {
            if (f.length() <= ledgerOffset) {
                return;
            }
            f.seek(ledgerOffset);
            byte[] bytes = new byte[(int) (f.length() - ledgerOffset)];
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return;
            }
            ledgerOffset += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
            for (String line : text.substring(0, end).split("\n")) {
                String[] f2 = line.trim().split(" ");
                if (f2.length >= 4 && f2[0].equals("start")) {
                    Life life = new Life(f2[1], Integer.parseInt(f2[2]), Long.parseLong(f2[3]),
                            f2.length > 4 ? Long.parseLong(f2[4]) : 0);
                    lives.add(life);
                    byPid.put(life.pid, life);
                } else if (f2.length >= 4 && f2[0].equals("stop")) {
                    Life life = byPid.get(Integer.parseInt(f2[2]));
                    if (life != null) {
                        life.stopNanos = Long.parseLong(f2[3]);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- API and CLI -------------------------------------------------------------------------------

    static JsonNode getJson(Host host, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(host.url() + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static HttpResponse<String> get(Host host, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(host.url() + path)).timeout(Duration.ofSeconds(20)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(Host host, String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.url() + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (withToken) {
            b.header("Authorization", "Bearer " + Files.readString(host.tokenFile()).trim());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** {@code baton ARGS --url HOST --token-file HOST'S} in this JVM (picocli), output captured. */
    static Run baton(Host host, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", host.url(), "--token-file", host.tokenFile().toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every agent stopped (SIGTERM), etcd gone, the directory removed unless a check failed. */
    @Override
    public void close() {
        for (Host h : hosts.values()) {
            if (h.agent != null) {
                h.agent.close();
            }
        }
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readLedger();
        closed = true;
        sampler.interrupt();
        etcd.close();
        if (violations.isEmpty()) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is harmless
            }
        } else {
            System.out.println("kept " + dir + " for the violations: " + violations);
        }
    }
}
