package dev.baton.sim;

import com.sun.net.httpserver.HttpServer;
import dev.baton.handover.Compatibility;
import dev.baton.handover.Version;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Behaves like a Chainflip engine around a runtime upgrade, for tests, the demo and benchmarks.
 * It reads the chain's release from a file once per simulated block:
 * <ul>
 * <li>incompatible (own version above or below the release, Chainflip's major.minor rule): prints the
 *     WAITING line every block, binds nothing. Started with own &lt; release, it does that forever:
 *     the "idle mode" of Chainflip's docs;</li>
 * <li>compatible: prints {@code Initialised StateChainClient ...}, then a quiet processing line per
 *     block, and serves {@code GET /health} (200 {@code RUNNING}) on 127.0.0.1 if a port is given;</li>
 * <li>active and the release moves away: prints the JSON "no longer compatible" line, then the plain
 *     {@code Exiting chainflip-engine due to error: ...} line, and exits 0.</li>
 * </ul>
 * A missing or garbled release file keeps the last value and prints a JSON WARN line. SIGTERM ends it
 * at once (the JVM's default). JDK only.
 */
public final class EngineSimulator {

    private static final long FIRST_BLOCK = 4000;

    private final SimOptions options;
    private final PrintStream out;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String own;
    private Version release;
    private HttpServer health;

    EngineSimulator(SimOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.own = options.version().toString();
    }

    public static void main(String[] args) throws InterruptedException {
        SimOptions options;
        try {
            options = SimOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(SimOptions.USAGE);
            System.exit(2);
            return;
        }
        // Own stream: stdout's default charset follows the locale, and the engine's lines hold a '…'.
        PrintStream utf8 = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(utf8);
        System.exit(new EngineSimulator(options, System.out).run());
    }

    /** Runs until superseded (returns 0) or stopped by {@link #stop()} (returns 143, as after SIGTERM). */
    int run() throws InterruptedException {
        print(EngineLines.starting(own));
        for (int i = 0; i < options.syncBlocks(); i++) {
            print(EngineLines.syncing(options.blockTime()));
            if (sleepOneBlock()) {
                return 143;
            }
        }
        boolean active = false;
        try {
            for (long block = FIRST_BLOCK; ; block++) {
                readRelease();
                if (release != null) {
                    boolean compatible = Compatibility.MAJOR_MINOR.compatible(options.version(), release);
                    if (active && !compatible) {
                        print(EngineLines.noLongerCompatible(own, release.toString(), block));
                        print(EngineLines.exiting(EngineLines.noLongerCompatibleMessage(own, release.toString(), block)));
                        return 0;
                    }
                    if (active) {
                        print(EngineLines.processing(block));
                    } else if (compatible) {
                        print(EngineLines.initialised(block));
                        startHealth();
                        active = true;
                    } else {
                        print(EngineLines.waiting(own, release.toString(), block));
                    }
                }
                if (sleepOneBlock()) {
                    return 143;
                }
            }
        } finally {
            stopHealth();
        }
    }

    /** Ends {@link #run()} at the next block boundary (for in-process use; a process gets SIGTERM). */
    void stop() {
        stopped.countDown();
    }

    /** @return true when stopped */
    private boolean sleepOneBlock() throws InterruptedException {
        return stopped.await(options.blockTime().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void readRelease() {
        String problem;
        try {
            List<String> lines = Files.readAllLines(options.releaseFile(), StandardCharsets.UTF_8);
            Version v = lines.isEmpty() ? null : Version.tryParse(lines.get(0).trim());
            if (v != null) {
                release = v;
                return;
            }
            problem = "not a version: '" + (lines.isEmpty() ? "" : lines.get(0)) + "'";
        } catch (IOException | RuntimeException e) {
            problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        print(EngineLines.warn(options.name() + ": could not read the current release from " + options.releaseFile() + " ("
                + problem + "); " + (release == null ? "waiting for one" : "keeping " + release)));
    }

    private void startHealth() {
        if (options.healthPort() == 0) {
            return;
        }
        try {
            health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.healthPort()), 8);
            health.createContext("/health", exchange -> {
                byte[] body = "RUNNING".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            health.start();
        } catch (IOException e) {
            print(EngineLines.warn(options.name() + ": health server not started on port " + options.healthPort() + ": " + e.getMessage()));
        }
    }

    private void stopHealth() {
        if (health != null) {
            health.stop(0);
            health = null;
        }
    }

    private void print(String line) {
        out.println(line);
        out.flush();
    }
}
