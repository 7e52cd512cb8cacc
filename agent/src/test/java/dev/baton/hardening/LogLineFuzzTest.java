package dev.baton.hardening;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.baton.agent.InProcessAgent;
import dev.baton.control.AgentStatus;
import dev.baton.process.ProcessState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log-line fuzzing at the agent level: two engines of a real group print tens of thousands of
 * random and mutated Chainflip lines (the truth mangled, and lies about an upgrade with their
 * rule text broken) through the real pipes, reader and recognizer, before their real lines. No
 * exception escapes, nothing is mistaken for an upgrade, and the real upgrade then hands over.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class LogLineFuzzTest {
    @TempDir
    Path dir;

    private static final String TS = "\"timestamp\":\"2024-05-01T10:00:00.000000Z\"";

    private static String json(String level, String message) {
        return "{" + TS + ",\"level\":\"" + level + "\",\"fields\":{\"message\":\"" + message.replace("\"", "\\\"")
                + "\"},\"target\":\"chainflip_engine::state_chain_observer::client\"}";
    }

    /** True lines for an engine of version {@code own} while the release is 1.0.0. */
    private static List<String> truths(String own) {
        return own.startsWith("1.0") ? List.of("Starting chainflip-engine v" + own + " (CI Build: \"x\")",
                json("INFO", "Initialised StateChainClient at block `12`; block hash: `0xabc`"),
                json("DEBUG", "Processing block 12"))
                : List.of("Starting chainflip-engine v" + own + " (CI Build: \"x\")",
                json("INFO", "This version '" + own + "' is incompatible with the current release '1.0.0' at block: 0x1. "
                        + "WAITING for a compatible release version."));
    }

    /** Lies about an upgrade, each with its rule's text broken (so none may be recognised). */
    private static final List<String> LIES = List.of(
            json("ERROR", "This version '1.0.3' is no longer compat!ble with the release version '1.1.0' at block: 0x1"),
            json("INFO", "This version '1.0.3' is incompatib|e with the current release '1.1.0' at block: 0x1. WAITING"),
            "You need to updat3 your CFE. The current version of the CFE you are running is not compatible",
            "Switching to the n3w version 1.1.0 after the old version 1.0.3 is no longer compat!ble.",
            "Exiting chainflip-engine due t0 error: This version '1.0.3' is no longer compat!ble with the release version '1.1.0'",
            // intact rule text, but in the wrong field: only fields.message counts for JSON lines (never mutated)
            "{" + TS + ",\"level\":\"ERROR\",\"fields\":{\"message\":\"ok\"},\"target\":\"This version '1.0.3' is no "
                    + "longer compatible with the release version '1.1.0' at block: 0x1\"}");

    /** Garbage that changes no version number and repairs no broken rule text. */
    private static final byte[] SAFE = " \t{}[]:,\\\u0001\u001b\u007f".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] mutate(byte[] line, Random rnd) {
        byte[] b = line;
        for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
            if (b.length == 0) {
                break;
            }
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(6)) {
                case 0 -> b = java.util.Arrays.copyOf(b, at);                             // truncated
                case 1, 2 -> {                                                           // garbage inserted
                    int len = 1 + rnd.nextInt(8);
                    byte[] out = new byte[b.length + len];
                    System.arraycopy(b, 0, out, 0, at);
                    for (int i = 0; i < len; i++) {
                        out[at + i] = rnd.nextInt(3) == 0 ? (byte) (0x80 + rnd.nextInt(128)) : SAFE[rnd.nextInt(SAFE.length)];
                    }
                    System.arraycopy(b, at, out, at + len, b.length - at);
                    b = out;
                }
                case 3 -> {                                                              // a span without digits or quotes cut
                    int end = at;
                    while (end < b.length && end - at < 12 && !Character.isDigit(b[end]) && b[end] != '\'' && b[end] != '"') {
                        end++;
                    }
                    byte[] out = new byte[b.length - (end - at)];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, end, out, at, b.length - end);
                    b = out;
                }
                case 4 -> {                                                              // doubled
                    byte[] out = java.util.Arrays.copyOf(b, b.length * 2);
                    System.arraycopy(b, 0, out, b.length, b.length);
                    b = out;
                }
                default -> b = ("{\"wrapped\":" + new String(b, StandardCharsets.ISO_8859_1) + "}").getBytes(StandardCharsets.ISO_8859_1);
            }
        }
        return b;
    }

    private Path fuzzFile(String name, String own, int lines, Random rnd) throws IOException {
        Path f = dir.resolve(name);
        List<String> truths = truths(own);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(f))) {
            for (int i = 0; i < lines; i++) {
                byte[] line;
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        line = new byte[rnd.nextInt(300)];
                        rnd.nextBytes(line);
                    }
                    case 1 -> line = mutate(LIES.get(rnd.nextInt(LIES.size() - 1)).getBytes(StandardCharsets.UTF_8), rnd);
                    case 2 -> line = LIES.get(rnd.nextInt(LIES.size())).getBytes(StandardCharsets.UTF_8);
                    default -> line = mutate(truths.get(rnd.nextInt(truths.size())).getBytes(StandardCharsets.UTF_8), rnd);
                }
                for (byte c : line) {
                    out.write(c == '\n' ? ' ' : c);
                }
                out.write('\n');
            }
        }
        return f;
    }

    private static String role(InProcessAgent a, String program) {
        return a.agent().handover() == null ? "" : a.agent().handover().groups().stream()
                .flatMap(g -> g.engines().stream()).filter(e -> e.program().equals(program))
                .map(AgentStatus.EngineStatus::role).findFirst().orElse("");
    }

    @Test
    void fuzzedEngineLinesCauseNoExceptionAndNoFalseHandover() throws Exception {
        int lines = Soak.count("fuzzLines", 40_000, 1_000_000);
        long seed = Soak.seed();
        Random rnd = new Random(seed);
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path script = Fixtures.engineScript(dir);
        Path f10 = fuzzFile("fuzz10", "1.0.3", lines, rnd);
        Path f11 = fuzzFile("fuzz11", "1.1.0", lines, rnd);
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state"), "log_mode = \"none\"")
                + Fixtures.engine("cfe10", "chainflip", "1.0.3", script, release, "0.2", f10, "version = \"1.0.3\"")
                + Fixtures.engine("cfe11", "chainflip", "1.1.0", script, release, "0.2", f11, "version = \"1.1.0\""));
        try (LogCapture log = LogCapture.install(); InProcessAgent a = InProcessAgent.forConfig(cfg).start()) {
            int pid10 = a.awaitState("cfe10", ProcessState.RUNNING).pid();
            await().atMost(Duration.ofMinutes(Soak.ON ? 30 : 3)).until(() -> {
                try (var s = Files.list(dir)) {
                    return s.filter(p -> p.getFileName().toString().contains(".done.")).count() >= 2;
                }
            });
            // A few real blocks after the junk: the roles are the true ones.
            await().atMost(Duration.ofSeconds(30)).until(() -> role(a, "cfe10").equals("ACTIVE") && role(a, "cfe11").equals("WAITING"));
            a.drain();
            assertEquals(pid10, a.status("cfe10").pid(), "the active engine was never touched");
            assertEquals(0, a.status("cfe10").restarts());
            assertTrue(a.agent().handover().history(1000).stream().noneMatch(r -> r.kind().equals("ENGINE_IDLED")),
                    a.agent().handover().history(1000).toString());
            assertTrue(log.exceptions().isEmpty(), log.exceptions().toString());
            assertTrue(log.messages(Level.ERROR).stream().noneMatch(m -> m.contains("internal error")), log.messages(Level.ERROR).toString());
            // The real upgrade is still recognised.
            Files.writeString(release, "1.1.0\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> role(a, "cfe11").equals("ACTIVE") && role(a, "cfe10").equals("IDLE"));
            a.awaitState("cfe10", ProcessState.STOPPED);
            assertTrue(log.exceptions().isEmpty(), log.exceptions().toString());
            System.out.printf("log-line fuzz: 2 x %d random/mutated/lying lines (seed %d) through a real group: no exception, "
                    + "no false handover, the upgrade after them handed over%n", lines, seed);
        }
    }
}
