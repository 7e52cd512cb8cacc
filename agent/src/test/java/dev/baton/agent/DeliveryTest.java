package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a reader on the agent's stdout that keeps up (this test, reading as fast as it can), every
 * line of two floods of 1M lines each, one written 64,000 bytes per write(2) and one written one
 * write(2) per line, arrives, in order per program. The spill in the agent is far smaller than the
 * 200 MB that pass: nothing may be dropped while the reader is reading.
 */
class DeliveryTest {
    private static final long LINES = 1_000_000;
    private static final List<String> PATTERNS = List.of("block", "line");

    @TempDir
    Path dir;

    /**
     * The config of a delivery test in {@code dir}: the agent's stdout prefixed, no API, and one
     * program per pattern, {@code namePrefix + pattern}, running {@code main PATTERN LINES DONE_FILE}
     * in a small JVM on the test class path.
     */
    static String config(Path dir, Class<?> main, List<String> patterns, long lines, String namePrefix) {
        StringBuilder config = new StringBuilder("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                // A generous stall timeout: on a loaded machine this test's reader may be descheduled
                // for a while, and it is the delivery to a reader that keeps up that is checked here
                + "log_mode = \"prefixed\"\nlog_stall_timeout = \"60s\"\n[api]\nenabled = false\n\n");
        for (String pattern : patterns) {
            String argv = Stream.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-XX:TieredStopAtLevel=1", "-Xmx32m", "-cp", AgentProcess.classPath(), main.getName(),
                            pattern, String.valueOf(lines), dir.resolve(pattern + ".done").toString())
                    .map(a -> "\"" + a + "\"").collect(Collectors.joining(", ", "[", "]"));
            config.append(program(namePrefix + pattern, argv, "start_secs = \"0s\""));
        }
        return config.toString();
    }

    @Test
    void everyLineOfTwoFloodsReachesAReaderThatKeepsUp() throws Exception {
        Files.writeString(dir.resolve("baton.toml"), config(dir, Flooder.class, PATTERNS, LINES, ""));

        try (AgentProcess agent = AgentProcess.start(dir.resolve("baton.toml"), ProcessBuilder.Redirect.PIPE)) {
            Map<String, Long> next = new HashMap<>();
            PATTERNS.forEach(p -> next.put(p, 0L));
            InputStream in = new BufferedInputStream(agent.process.getInputStream(), 1 << 16);
            byte[] line = new byte[4096];
            long expectedTotal = LINES * PATTERNS.size();
            long received = 0;
            while (received < expectedTotal) {
                int len = readLine(in, line);
                assertTrue(len >= 0, "the agent's stdout ended after " + received + " lines: " + next);
                String text = new String(line, 0, len, StandardCharsets.ISO_8859_1);
                int bar = text.indexOf(" | ");
                String program = bar < 0 ? "" : text.substring(0, bar);
                Long expected = next.get(program);
                if (expected == null) {
                    assertTrue(program.equals("baton") && !text.contains("dropped"), "an unexpected line: " + text);
                    continue;
                }
                String body = text.substring(bar + 3) + "\n";
                assertEquals(new String(Flooder.line(expected), StandardCharsets.ISO_8859_1), body,
                        "line " + expected + " of " + program);
                next.put(program, expected + 1);
                received++;
            }
            for (String pattern : PATTERNS) {
                assertEquals(LINES, next.get(pattern), pattern);
            }
        }
    }

    /** One line without its newline into {@code buf}; its length, or -1 at the end of the stream. */
    private static int readLine(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return -1;
            }
            if (len < buf.length) {
                buf[len++] = (byte) b;
            }
        }
        return len;
    }
}
