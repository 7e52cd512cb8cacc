package dev.baton.sim;

import dev.baton.handover.EventKind;
import dev.baton.handover.Recognition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator as a real process: what the demo and the supervisor's tests run. */
class EngineSimulatorProcessTest {

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** Starts the simulator; its stdout lines are collected into {@code lines}. */
    private Process start(List<String> lines, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), EngineSimulator.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    private static Recognition recognise(String line) {
        return SimulatedHost.CHAINFLIP.recognize(line);
    }

    @Test
    void exitsPromptlyOnSigterm() throws Exception {
        Path release = Files.writeString(dir.resolve("release"), "1.0.0\n");
        List<String> lines = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        Process p = start(lines, "--version", "1.1.0", "--release-file", release.toString(), "--block-time", "50ms");
        await().atMost(Duration.ofSeconds(20)).until(() -> !lines.isEmpty());
        long firstLineMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("simulator: first line " + firstLineMs + " ms after launch");
        assertEquals(EventKind.STARTED, recognise(lines.get(0)).kind());
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.size() >= 3);
        Recognition waiting = recognise(lines.get(1));
        assertEquals(EventKind.WAITING, waiting.kind());
        assertEquals("1.1.0 1.0.0", waiting.own() + " " + waiting.release());

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "exits promptly on SIGTERM");
        assertEquals(143, p.exitValue());
    }

    @Test
    void exitsZeroWhenTheReleaseMovesPastIt() throws Exception {
        Path release = Files.writeString(dir.resolve("release"), "1.1.0\n");
        List<String> lines = new CopyOnWriteArrayList<>();
        Process p = start(lines, "--version=1.1.0", "--release-file=" + release, "--block-time=50ms", "--name=sim-a");
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("Initialised StateChainClient")));
        Files.writeString(release, "1.2.0\n");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.get(lines.size() - 1).startsWith("Exiting chainflip-engine"));
        String json = lines.get(lines.size() - 2);
        assertEquals(EventKind.NO_LONGER_COMPATIBLE, recognise(json).kind());
        assertTrue(json.contains("…"), "UTF-8 output whatever the locale: " + json);
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Process p = start(lines, "--version", "1.1.0");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.startsWith("usage: EngineSimulator")));
    }
}
