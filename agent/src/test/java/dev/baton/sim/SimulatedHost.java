package dev.baton.sim;

import dev.baton.handover.Action;
import dev.baton.handover.Compatibility;
import dev.baton.handover.EngineGroup;
import dev.baton.handover.EngineSpec;
import dev.baton.handover.IdleMode;
import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProfileReader;
import dev.baton.handover.Recognition;
import dev.baton.handover.Role;
import dev.baton.handover.Version;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Simulated engines running in-process, each line recognised and fed to one engine group, the way the
 * supervisor will do it (without the supervisor: actions are only collected).
 */
final class SimulatedHost {

    static final LineRecognizer CHAINFLIP = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());

    final EngineGroup group = new EngineGroup("chainflip", Compatibility.MAJOR_MINOR);
    private final List<Action> actions = new ArrayList<>();
    private final List<String> recognised = new ArrayList<>();
    private final Map<String, EngineSimulator> sims = new HashMap<>();
    private final Map<String, LineCapture> captures = new HashMap<>();
    private final Map<String, CompletableFuture<Integer>> exits = new HashMap<>();

    /** Starts a simulator as a program of the group; returns its exit code's future. */
    CompletableFuture<Integer> start(String program, String version, Path releaseFile, int healthPort, int syncBlocks) {
        synchronized (this) {
            group.onEngineAdded(new EngineSpec(program, Version.parse(version), IdleMode.STOP), Instant.now());
            group.onProcessStarted(program, Instant.now());
        }
        LineCapture capture = new LineCapture(line -> onLine(program, line));
        SimOptions options = new SimOptions(Version.parse(version), releaseFile, Duration.ofMillis(30), healthPort, syncBlocks, program);
        EngineSimulator sim = new EngineSimulator(options, capture.printStream());
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                exit.complete(sim.run());
            } catch (Throwable e) {
                exit.completeExceptionally(e);
            }
            synchronized (this) {
                group.onProcessExited(program, Instant.now());
            }
        }, program);
        t.setDaemon(true);
        synchronized (this) {
            sims.put(program, sim);
            captures.put(program, capture);
            exits.put(program, exit);
        }
        t.start();
        return exit;
    }

    private synchronized void onLine(String program, String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        Recognition r = CHAINFLIP.recognize(b, 0, b.length);
        if (r != null) {
            recognised.add(program + " " + r.kind() + " own=" + r.own() + " release=" + r.release());
            actions.addAll(group.onRecognition(program, r, Instant.now()).actions());
        }
    }

    synchronized Role role(String program) {
        return group.role(program).orElseThrow();
    }

    synchronized List<Action> actions() {
        return List.copyOf(actions);
    }

    synchronized List<String> recognised() {
        return List.copyOf(recognised);
    }

    List<String> lines(String program) {
        LineCapture c;
        synchronized (this) {
            c = captures.get(program);
        }
        return c.lines();
    }

    void stopAll() {
        List<EngineSimulator> all;
        synchronized (this) {
            all = List.copyOf(sims.values());
        }
        all.forEach(EngineSimulator::stop);
    }

    /** The body of GET /health, or null when nothing listens on the port. */
    static String health(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/health").openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try {
                return c.getResponseCode() + " " + new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
