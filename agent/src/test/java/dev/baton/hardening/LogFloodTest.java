package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods and bad output against an out-of-process agent: two programs writing 1 GB each at full
 * speed, a program that never writes a newline, and two engines whose output starts with 10 MB
 * lines, binary, invalid UTF-8 and hostile JSON (deep nesting, huge numbers) before their real
 * lines. RSS stays bounded, the agent stays responsive (a reload during the flood starts a new
 * program at once), nothing is mistaken for an upgrade, and the real upgrade afterwards hands over.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class LogFloodTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The junk an engine prints before its real lines. */
    private Path junk(String name, long seed) throws IOException {
        Path f = dir.resolve(name);
        Random rnd = new Random(seed);
        // Recognisable through the junk, and a claim the rules record as ambiguous (1.0.3 and 1.0.0 are
        // compatible) whatever the order: a junk line naming a newer release would be an engine's own
        // word, a real handover once the successor waits, which made the outcome depend on which
        // engine's junk the reader finished first.
        String lit = "This version '1.0.3' is incompatible with the current release '1.0.0' at block: 0x12. WAITING";
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            byte[] ten = new byte[10 << 20];
            java.util.Arrays.fill(ten, (byte) 'y');
            for (int i = 0; i < 3; i++) {              // three 10 MB lines
                out.write(ten);
                out.write('\n');
            }
            out.write(("{\"fields\":{\"message\":\"" + "y".repeat(5 << 20) + lit + "\"}}\n").getBytes(StandardCharsets.UTF_8));
            byte[] bin = new byte[8 << 20];             // binary, with newlines where they fall
            rnd.nextBytes(bin);
            out.write(bin);
            out.write('\n');
            for (int i = 0; i < 20_000; i++) {          // invalid UTF-8 around the rules' literals
                out.write(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28, (byte) 0xe2, (byte) 0x82});
                out.write(lit.getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80, '\n'});
            }
            // hostile JSON: deep nesting, huge numbers, a rule's text inside
            out.write(("{\"a\":" + "[".repeat(200_000) + "\"" + lit + "\"\n").getBytes(StandardCharsets.UTF_8));
            out.write(("{" + "\"a\":{".repeat(50_000) + "\"message\":\"" + lit + "\"\n").getBytes(StandardCharsets.UTF_8));
            out.write(("{\"timestamp\":1e999999999,\"level\":" + "9".repeat(100_000) + ",\"fields\":{\"message\":\"" + lit
                    + "\"}}\n").getBytes(StandardCharsets.UTF_8));
            out.write(("{\"fields\":{\"message\":\"" + lit.replace("WAITING", "\\u0000\\ud800\\udfff WAITING") + "\"},"
                    + "\"n\":-" + "1".repeat(50_000) + "e-99999999}\n").getBytes(StandardCharsets.UTF_8));
            out.write("\r\r\r\n\0\0\0\n\u001b[2J\u001b]0;x\u0007\n".getBytes(StandardCharsets.UTF_8));
        }
        return f;
    }

    private Map<String, String> roles() {
        Map<String, String> out = new HashMap<>();
        try {
            for (JsonNode e : JSON.readTree(dir.resolve("state/handover.json").toFile()).path("groups").path("chainflip").path("engines")) {
                out.put(e.path("program").asText(), e.path("role").asText());
            }
        } catch (Exception e) {
            // not there yet
        }
        return out;
    }

    private String history() {
        try {
            return JSON.readTree(dir.resolve("state/handover.json").toFile()).path("groups").path("chainflip").path("history").toString();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void twoGigabytesOfFloodAndHostileLinesKeepMemoryBoundedAndRecognitionRight() throws Exception {
        long megabytes = Soak.count("floodMegabytes", 1000, 10_000);
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path script = Fixtures.engineScript(dir);
        Path junk10 = junk("junk10", 1);
        Path junk11 = junk("junk11", 2);
        String line = "x".repeat(199);
        Path flood = Fixtures.script(dir, "flood.sh", "yes '" + line + "' | head -c " + megabytes * 1_000_000 + "\ntouch \"$1\"\n"
                + "exec sleep 100000");
        // 300 MB of NUL bytes and never a newline, then silence.
        Path noNewline = Fixtures.script(dir, "nonl.sh", "head -c 300000000 /dev/zero\ntouch \"$1\"\nexec sleep 100000");
        String base = Fixtures.agent(dir.resolve("state"))
                + program("flood-a", argv(flood, dir.resolve("done-a")), "start_secs = \"0s\"")
                + program("flood-b", argv(flood, dir.resolve("done-b")), "start_secs = \"0s\"")
                + program("no-newline", argv(noNewline, dir.resolve("done-nonl")), "start_secs = \"0s\"")
                + Fixtures.engine("cfe10", "chainflip", "1.0.3", script, release, "0.2", junk10, "version = \"1.0.3\"")
                + Fixtures.engine("cfe11", "chainflip", "1.1.0", script, release, "0.2", junk11, "version = \"1.1.0\"");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, base);
        AtomicLong peakRss = new AtomicLong();
        try (AgentJvm agent = AgentJvm.with(cfg).stdout(ProcessBuilder.Redirect.DISCARD).start()) {
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("state/agent.id")));
            String id = Files.readString(dir.resolve("state/agent.id")).trim();
            // Mid-flood: a reload adds a program; the loop must carry it out at once.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                peakRss.accumulateAndGet(Proc.rssKb(agent.pid()), Math::max);
                return Proc.tagged(id).stream().anyMatch(t -> "flood-a".equals(t.program()));
            });
            Files.writeString(cfg, base + program("probe", argv("sleep", "100000"), "start_secs = \"0s\""));
            long r0 = System.nanoTime();
            boolean floodRunningAtReload = !Files.exists(dir.resolve("done-a")) || !Files.exists(dir.resolve("done-b"));
            Os.kill((int) agent.pid(), Signals.SIGHUP);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                peakRss.accumulateAndGet(Proc.rssKb(agent.pid()), Math::max);
                return Proc.tagged(id).stream().anyMatch(t -> "probe".equals(t.program()));
            });
            double reloadMs = (System.nanoTime() - r0) / 1e6;
            boolean floodStillRunning = !Files.exists(dir.resolve("done-a")) || !Files.exists(dir.resolve("done-b"));
            await().atMost(Duration.ofMinutes(Soak.ON ? 60 : 6)).pollInterval(Duration.ofMillis(200)).until(() -> {
                peakRss.accumulateAndGet(Proc.rssKb(agent.pid()), Math::max);
                return Files.exists(dir.resolve("done-a")) && Files.exists(dir.resolve("done-b"))
                        && Files.exists(dir.resolve("done-nonl"));
            });
            double floodSecs = (System.nanoTime() - t0) / 1e9;
            // No false handover from the junk: cfe10 active, cfe11 waiting, nothing idled.
            await().atMost(Duration.ofSeconds(60)).until(() -> "ACTIVE".equals(roles().get("cfe10"))
                    && "WAITING".equals(roles().get("cfe11")));
            assertTrue(!history().contains("ENGINE_IDLED"), "a handover from junk: " + history());
            assertTrue(history().contains("AMBIGUOUS_LINE"), "the claim inside the junk was recognised: " + history());
            // The real upgrade still hands over.
            Files.writeString(release, "1.1.0\n");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                peakRss.accumulateAndGet(Proc.rssKb(agent.pid()), Math::max);
                return "ACTIVE".equals(roles().get("cfe11")) && "IDLE".equals(roles().get("cfe10"));
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> Proc.tagged(id).stream().noneMatch(t -> "cfe10".equals(t.program())));
            System.out.printf("flood: 2 x %d MB + 300 MB without newline + 2 x %d MB of hostile engine output in %.1f s; "
                            + "agent peak RSS %d kB; reload during the flood (still running: %s) started a program in %.0f ms; "
                            + "handover after the junk correct%n", megabytes, Files.size(junk10) >> 20, floodSecs,
                    peakRss.get(), floodStillRunning, reloadMs);
            assertTrue(peakRss.get() < 250_000, "agent RSS peaked at " + peakRss.get() + " kB");
            // Not a time bound (the machine may be loaded): the reload must be carried out while the flood
            // still runs, not queued behind it.
            assertTrue(!floodRunningAtReload || floodStillRunning,
                    "the reload was carried out only after the flood ended (" + reloadMs + " ms)");
            assertTrue(agent.alive());
            assertEquals(1, Proc.tagged(id).stream().filter(t -> "cfe11".equals(t.program()) && t.comm().equals("cfe.sh")).count());
            assertTrue(!agent.stderrText().contains("Exception"), agent.stderrText());
        }
    }
}
