package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.InProcessAgent;
import dev.baton.control.ControlException;
import dev.baton.process.ProcessState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory goes bad under a running agent (full, read-only) or between runs (a state
 * file truncated, garbled, emptied): supervision goes on, the agent says what is wrong, and the
 * last good state is what the next run uses (a hand-stopped program stays stopped, an idled
 * engine stays idle).
 */
class StateFaultTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path state;
    private boolean mounted;

    @AfterEach
    void unmount() {
        if (mounted) {
            Mounts.unmount(state); // the read-only bind mount, if a test left it
            Mounts.unmount(state);
        }
    }

    private Path config(String programs) throws IOException {
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(state) + programs);
        return cfg;
    }

    private static final String CRASHY = "restart = \"always\"\nstart_secs = \"0s\"\nstart_retries = \"forever\"\n"
            + "backoff = { initial = \"50ms\", max = \"200ms\" }";

    private String programs() {
        return program("svc", argv("sleep", "100000"), "start_secs = \"0s\"")
                + program("manual", argv("sleep", "100001"), "start_secs = \"0s\"")
                + program("crashy", argv("sh", "-c", "sleep 0.1; exit 3"), CRASHY);
    }

    private JsonNode programsJson() throws IOException {
        return JSON.readTree(state.resolve("programs.json").toFile());
    }

    private String desired(String program) {
        try {
            return programsJson().path("programs").path(program).path("desired").asText(null);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** Fills the filesystem until writes fail; returns the filler file. */
    private Path fill() throws IOException {
        Path filler = state.resolve("filler");
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 100_000; i++) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            return filler;
        }
        throw new AssertionError("the 64k tmpfs never filled up");
    }

    @Test
    void diskFullAndReadOnlyStateDirectoryNeitherStopSupervisionNorLoseTheLastGoodState() throws Exception {
        state = dir.resolve("state");
        Files.createDirectories(state);
        mounted = Mounts.tmpfs(state, "64k");
        assumeTrue(mounted, "mount(2) of a tmpfs is not allowed here (needs root with CAP_SYS_ADMIN)");
        try (LogCapture log = LogCapture.install(); InProcessAgent a = InProcessAgent.forConfig(config(programs())).start()) {
            int svcPid = a.awaitState("svc", ProcessState.RUNNING).pid();
            a.awaitState("manual", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(20)).until(() -> a.status("crashy").restarts() >= 2);

            // ---- disk full: an operator's stop cannot be recorded, so it is refused and nothing is done
            // (answered "ok", it would be undone by the next agent start).
            Path filler = fill();
            String before = Files.readString(state.resolve("programs.json"));
            int manualPid = a.status("manual").pid();
            ControlException refused = assertThrows(ControlException.class, () -> a.operatorStop("manual"));
            assertTrue(refused.getMessage().contains("cannot record \"stopped\" for manual")
                    && refused.getMessage().contains("No space left on device")
                    && refused.getMessage().contains("Nothing was done"), refused.getMessage());
            assertEquals(ControlException.Kind.UNAVAILABLE, refused.kind());
            assertEquals(ProcessState.RUNNING, a.status("manual").state());
            assertEquals(manualPid, a.status("manual").pid(), "the refused stop did not touch the program");
            assertEquals(before, Files.readString(state.resolve("programs.json")), "a failed write leaves the file as it was");
            assertNotNull(programsJson(), "still valid JSON");
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.ERROR, "cannot write", "programs.json",
                    "No space left on device"));
            // Supervision goes on: the crash loop keeps being restarted, nothing else moves.
            int restarts = a.status("crashy").restarts();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.status("crashy").restarts() >= restarts + 3);
            assertThrows(ControlException.class, () -> a.operatorStop("manual"));
            assertEquals(manualPid, a.status("manual").pid());
            assertEquals(svcPid, a.status("svc").pid());
            assertEquals(before, Files.readString(state.resolve("programs.json")));
            // The crash loop's state writes go on failing meanwhile (on the state writer's thread): a
            // temp file may exist for the moment of a write, but none stays behind.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Stream<Path> files = Files.list(state)) {
                    return files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
                }
            });

            // Space again: the next change is written, and the agent says so.
            Files.delete(filler);
            a.operatorStop("manual");
            a.awaitState("manual", ProcessState.STOPPED);
            assertEquals("stopped", desired("manual"), "on disk before the answer");
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.INFO, "programs.json written again"));

            // ---- read-only
            assertTrue(Mounts.readOnly(state, true), "remount read-only");
            String beforeRo = Files.readString(state.resolve("programs.json"));
            // A start is an intent too: refused while it cannot be recorded.
            assertTrue(assertThrows(ControlException.class, () -> a.operatorStart("manual")).getMessage()
                    .contains("Read-only file system"));
            assertEquals(ProcessState.STOPPED, a.status("manual").state());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.ERROR, "cannot write", "Read-only file system"));
            int restartsRo = a.status("crashy").restarts();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.status("crashy").restarts() >= restartsRo + 3);
            assertEquals(svcPid, a.status("svc").pid());
            assertEquals(beforeRo, Files.readString(state.resolve("programs.json")));
            assertTrue(Mounts.readOnly(state, false), "remount read-write");
            a.operatorStart("manual");
            a.awaitState("manual", ProcessState.RUNNING);
            assertEquals("running", desired("manual"));
            assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
        }
    }

    @Test
    void aReadOnlyStateDirectoryAtStartIsRefusedWithAClearMessage() throws Exception {
        state = dir.resolve("state");
        Files.createDirectories(state);
        mounted = Mounts.tmpfs(state, "64k");
        assumeTrue(mounted, "mount(2) of a tmpfs is not allowed here (needs root with CAP_SYS_ADMIN)");
        assertTrue(Mounts.readOnly(state, true));
        try (LogCapture log = LogCapture.install()) {
            InProcessAgent a = InProcessAgent.forConfig(config(programs())).start();
            int code = a.exit().join();
            assertEquals(Agent.EXIT_STATE_DIR, code);
            assertTrue(log.messages(Level.ERROR).stream().anyMatch(m -> m.contains(state.toString())), log.messages(Level.ERROR).toString());
        }
    }

    /** How a state file may be found after trouble between two runs. */
    private static final List<Consumer<Path>> DAMAGE = List.of(
            f -> rewrite(f, b -> java.util.Arrays.copyOf(b, b.length / 2)),          // truncated
            f -> rewrite(f, b -> new byte[0]),                                        // empty
            f -> rewrite(f, b -> "\u0000\u0000\u0000garbage\uFFFD".getBytes(StandardCharsets.UTF_8)), // garbled
            f -> rewrite(f, b -> "{\"version\":1,\"programs\":5}".getBytes(StandardCharsets.UTF_8)), // wrong shape
            f -> rewrite(f, b -> ("[" + "[".repeat(100_000)).getBytes(StandardCharsets.UTF_8)),       // hostile nesting
            f -> rewrite(f, b -> "null".getBytes(StandardCharsets.UTF_8)),
            f -> rewrite(f, b -> "{\"version\":1,\"programs\":{\"manual\":null},\"groups\":{\"chainflip\":null}}"
                    .getBytes(StandardCharsets.UTF_8)),                                  // null entries
            f -> rewrite(f, b -> "{}".getBytes(StandardCharsets.UTF_8)));             // parses, holds nothing

    private static void rewrite(Path f, java.util.function.UnaryOperator<byte[]> change) {
        try {
            Files.write(f, change.apply(Files.readAllBytes(f)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void damagedStateFilesFallBackToTheLastGoodCopy() throws Exception {
        Path release = dir.resolve("release");
        Path cfg = configWithEngines(release);
        try (LogCapture log = LogCapture.install()) {
            // First run: an operator stops 'manual', the chain upgrades, cfe10 is idled.
            try (InProcessAgent a = InProcessAgent.forConfig(cfg).start()) {
                a.awaitState("manual", ProcessState.RUNNING);
                a.operatorStop("manual");
                a.awaitState("manual", ProcessState.STOPPED);
                await().atMost(Duration.ofSeconds(30)).until(() -> role(a, "cfe11").equals("WAITING"));
                Files.writeString(release, "1.1.0\n");
                await().atMost(Duration.ofSeconds(30)).until(() -> role(a, "cfe10").equals("IDLE")
                        && role(a, "cfe11").equals("ACTIVE"));
                a.awaitState("cfe10", ProcessState.STOPPED);
                assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
            }
            int round = 0;
            for (Consumer<Path> damage : DAMAGE) {
                round++;
                damage.accept(state.resolve("programs.json"));
                damage.accept(state.resolve("handover.json"));
                log.events.clear();
                try (InProcessAgent a = InProcessAgent.forConfig(cfg).start()) {
                    a.awaitState("svc", ProcessState.RUNNING);
                    await().atMost(Duration.ofSeconds(30)).until(() -> role(a, "cfe11").equals("ACTIVE"));
                    a.drain();
                    String r = "damage #" + round + ": ";
                    assertEquals(ProcessState.STOPPED, a.status("manual").state(), r + "the hand-stopped program stays stopped");
                    assertEquals(ProcessState.STOPPED, a.status("cfe10").state(), r + "the idled engine stays down");
                    assertNull(a.status("cfe10").lastExit(), r + "the idled engine was never started");
                    assertNull(a.status("manual").lastExit(), r + "the hand-stopped program was never started");
                    assertEquals("IDLE", role(a, "cfe10"), r);
                    assertTrue(log.saw(Level.ERROR, "programs.json", "unreadable"), r + log.messages(Level.ERROR));
                    assertTrue(log.saw(Level.ERROR, "handover.json", "unreadable"), r + log.messages(Level.ERROR));
                    assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
                }
            }
            try (Stream<Path> files = Files.list(state)) {
                long aside = files.filter(p -> p.getFileName().toString().contains(".corrupt-")).count();
                assertEquals(2L * DAMAGE.size(), aside, "each damaged file is kept aside for the operator");
            }
        }
    }

    /**
     * Both a state file and its last good copy damaged: the state is lost, and the agent fails
     * safe. What the damaged copies still show is kept (a truncated file's intact entries); every
     * other program, and every engine (any may have been idled), is held down until an operator
     * starts it; status, the metric and the log say so.
     */
    @Test
    void bothCopiesDamagedHoldWhatLostItsIntentAndSaySo() throws Exception {
        Path cfg = configWithEngines(dir.resolve("release"));
        try (LogCapture log = LogCapture.install()) {
            try (InProcessAgent a = InProcessAgent.forConfig(cfg).start()) {
                a.awaitState("manual", ProcessState.RUNNING);
                a.operatorStop("manual");
                a.awaitState("manual", ProcessState.STOPPED);
                assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
            }
            // Truncated after manual's entry (name order: cfe10, cfe11, crashy, manual, svc): svc's is gone.
            String json = Files.readString(state.resolve("programs.json"));
            int cut = json.indexOf("\"manual\"") + json.substring(json.indexOf("\"manual\"")).indexOf("\"pid\"") + 8;
            Files.writeString(state.resolve("programs.json"), json.substring(0, cut));
            rewrite(state.resolve("programs.json.last-good"), b -> "\u0000garbage".getBytes(StandardCharsets.UTF_8));
            rewrite(state.resolve("handover.json"), b -> java.util.Arrays.copyOf(b, 10));
            Files.delete(state.resolve("handover.json.last-good"));
            try (InProcessAgent a = InProcessAgent.forConfig(cfg).start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> a.status("crashy").restarts() >= 1); // salvaged: autostart
                a.drain();
                assertEquals(ProcessState.STOPPED, a.status("manual").state(), "salvaged: stopped by an operator");
                assertEquals(ProcessState.STOPPED, a.status("svc").state(), "its intent is lost");
                assertTrue(a.status("svc").hold().contains("whether an operator stopped these is unknown"),
                        a.status("svc").hold());
                for (String held : List.of("cfe10", "cfe11")) {
                    assertEquals(ProcessState.STOPPED, a.status(held).state(), held);
                    assertNull(a.status(held).lastExit(), held + " was never started");
                    assertTrue(a.status(held).hold().contains("which engine was idled is unknown"), a.status(held).hold());
                }
                var status = a.agent().control().status();
                assertTrue(status.stateLost());
                assertTrue(status.stateProblem().contains("handover.json is damaged and there is no last good copy")
                        && status.stateProblem().contains("cfe10, cfe11")
                        && status.stateProblem().contains("programs.json is damaged and the last good copy programs.json"
                        + ".last-good is unreadable too") && status.stateProblem().contains(": svc"), status.stateProblem());
                assertTrue(scrape(a).contains("\nbaton_agent_state_lost 1.0\n"), scrape(a));
                // Not ready: a program held down with its intent lost may be one that should run (it said ready)
                List<String> unready = a.agent().control().unready();
                assertTrue(unready.stream().anyMatch(r -> r.startsWith("svc is held: ")), unready.toString());
                assertFalse(unready.stream().anyMatch(r -> r.startsWith("manual")), unready.toString());
                assertTrue(log.saw(Level.ERROR, "holding every engine down"), log.messages(Level.ERROR).toString());
                // A restart does not clear it; an operator's start does, for that program only.
                a.operatorStart("cfe11");
                a.awaitState("cfe11", ProcessState.RUNNING);
                assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
                assertTrue(a.agent().control().status().stateProblem().contains("cfe10")
                        && !a.agent().control().status().stateProblem().contains("cfe11"));
                a.operatorStop("cfe10"); // known now: stopped
                a.operatorStart("svc");
                assertFalse(a.agent().control().status().stateLost());
                a.awaitState("svc", ProcessState.RUNNING);
                assertFalse(a.agent().control().unready().stream().anyMatch(r -> r.startsWith("svc")));
                assertTrue(scrape(a).contains("\nbaton_agent_state_lost 0.0\n"));
                assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
            }
        }
    }

    /** The three plain programs and two engines of group chainflip on release 1.0.0 ({@code release}). */
    private Path configWithEngines(Path release) throws IOException {
        state = dir.resolve("state");
        Files.writeString(release, "1.0.0\n");
        Path script = Fixtures.engineScript(dir);
        return config(programs()
                + Fixtures.engine("cfe10", "chainflip", "1.0.3", script, release, "0.1", null, "version = \"1.0.3\"")
                + Fixtures.engine("cfe11", "chainflip", "1.1.0", script, release, "0.1", null, "version = \"1.1.0\""));
    }

    private static String scrape(InProcessAgent a) {
        try (var metrics = new dev.baton.metrics.BatonMetrics(a.agent().control(), Duration.ZERO)) {
            return new String(metrics.scrape(), StandardCharsets.UTF_8);
        }
    }

    private static String role(InProcessAgent a, String program) {
        return a.agent().handover() == null ? "" : a.agent().handover().groups().stream()
                .flatMap(g -> g.engines().stream()).filter(e -> e.program().equals(program))
                .map(e -> e.role()).findFirst().orElse("");
    }
}
