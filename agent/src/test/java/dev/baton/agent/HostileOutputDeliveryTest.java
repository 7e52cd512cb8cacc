package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five programs write at once in the ways that are hard on a line reader ({@link HostileWriter}:
 * lines cut across writes at random points, CRLF, terminal escapes, lines past max_line_bytes,
 * multi-byte characters). In prefixed mode, with a reader that keeps up, every line of every
 * program arrives once, in its program's order, shown exactly as documented: CR dropped, control
 * characters escaped, long lines cut with the marker (at a character's start), nothing else changed.
 */
class HostileOutputDeliveryTest {
    private static final int LINES = 20_000;
    private static final List<String> PATTERNS = List.of("split", "crlf", "controls", "long", "utf8");
    private static final String CUT = " [baton: line cut at 65536 bytes]";

    @TempDir
    Path dir;

    @Test
    void everyLineOfEveryHostileWriterArrivesInOrderShownAsDocumented() throws Exception {
        Files.writeString(dir.resolve("baton.toml"), DeliveryTest.config(dir, HostileWriter.class, PATTERNS, LINES, "h-"));

        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try (AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"), ProcessBuilder.Redirect.PIPE)) {
            // A line that never comes would block the read for good: end the agent, and the read, instead
            watchdog.schedule(agent.process::destroyForcibly, 5, TimeUnit.MINUTES);
            Map<String, Integer> next = new HashMap<>();
            PATTERNS.forEach(p -> next.put("h-" + p, 0));
            InputStream in = new BufferedInputStream(agent.process.getInputStream(), 1 << 16);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (long received = 0; received < (long) LINES * PATTERNS.size(); ) {
                assertTrue(readLine(in, line), "the agent's stdout ended after " + received + " lines: " + next);
                String text = line.toString(StandardCharsets.UTF_8);
                int bar = text.indexOf(" | ");
                String program = bar < 0 ? "" : text.substring(0, bar);
                Integer expected = next.get(program);
                if (expected == null) {
                    assertTrue(program.equals("baton") && !text.contains("dropped"), "an unexpected line: " + text);
                    continue;
                }
                String pattern = program.substring(2);
                assertEquals(shown(pattern, expected), text.substring(bar + 3), "line " + expected + " of " + program);
                next.put(program, expected + 1);
                received++;
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    /** Line {@code i} of {@code pattern} as the agent shows it after "name | ", without its newline. */
    private static String shown(String pattern, int i) {
        String written = new String(HostileWriter.line(pattern, i), StandardCharsets.UTF_8);
        String text = written.substring(0, written.length() - (written.endsWith("\r\n") ? 2 : 1));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > HostileWriter.MAX_LINE_BYTES) {
            int cut = HostileWriter.MAX_LINE_BYTES;
            while ((bytes[cut] & 0xC0) == 0x80) {
                cut--; // never inside a character
            }
            text = new String(bytes, 0, cut, StandardCharsets.UTF_8) + CUT;
        }
        StringBuilder escaped = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 && c != '\t') {
                escaped.append(String.format("\\x%02x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** The next line without its newline into {@code line}; false at the end of the stream. */
    private static boolean readLine(InputStream in, ByteArrayOutputStream line) throws IOException {
        line.reset();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return false;
            }
            line.write(b);
        }
        return true;
    }
}
