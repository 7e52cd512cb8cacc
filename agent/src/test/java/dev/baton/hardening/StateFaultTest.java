package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.InProcessAgent;
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

            // ---- disk full
            Path filler = fill();
            String before = Files.readString(state.resolve("programs.json"));
            a.operatorStop("manual");
            a.awaitState("manual", ProcessState.STOPPED);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.ERROR, "cannot write", "programs.json",
                    "No space left on device"));
            assertEquals(before, Files.readString(state.resolve("programs.json")), "a failed write leaves the file as it was");
            assertNotNull(programsJson(), "still valid JSON");
            // Supervision goes on: the crash loop keeps being restarted, commands still work, nothing else moves.
            int restarts = a.status("crashy").restarts();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.status("crashy").restarts() >= restarts + 3);
            a.operatorStart("manual");
            a.awaitState("manual", ProcessState.RUNNING);
            a.operatorStop("manual");
            a.awaitState("manual", ProcessState.STOPPED);
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
            await().atMost(Duration.ofSeconds(20)).until(() -> "stopped".equals(desired("manual")));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.INFO, "programs.json written again"));

            // ---- read-only
            assertTrue(Mounts.readOnly(state, true), "remount read-only");
            String beforeRo = Files.readString(state.resolve("programs.json"));
            a.operatorStart("manual");
            a.awaitState("manual", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.saw(Level.ERROR, "cannot write", "Read-only file system"));
            int restartsRo = a.status("crashy").restarts();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.status("crashy").restarts() >= restartsRo + 3);
            assertEquals(svcPid, a.status("svc").pid());
            assertEquals(beforeRo, Files.readString(state.resolve("programs.json")));
            assertTrue(Mounts.readOnly(state, false), "remount read-write");
            await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(desired("manual")));
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
        state = dir.resolve("state");
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path script = Fixtures.engineScript(dir);
        Path cfg = config(programs()
                + Fixtures.engine("cfe10", "chainflip", "1.0.3", script, release, "0.1", null, "version = \"1.0.3\"")
                + Fixtures.engine("cfe11", "chainflip", "1.1.0", script, release, "0.1", null, "version = \"1.1.0\""));
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

    private static String role(InProcessAgent a, String program) {
        return a.agent().handover() == null ? "" : a.agent().handover().groups().stream()
                .flatMap(g -> g.engines().stream()).filter(e -> e.program().equals(program))
                .map(e -> e.role()).findFirst().orElse("");
    }
}
