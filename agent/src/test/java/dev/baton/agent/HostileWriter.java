package dev.baton.agent;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A program that writes numbered lines the ways real programs write them when they are not kind to
 * their reader, then touches a file and sleeps: {@code HostileWriter PATTERN N DONE_FILE}.
 * <ul>
 *   <li>{@code split}: writes cut at random points, often mid-line, some of one byte;
 *   <li>{@code crlf}: CRLF line ends, one write per line;
 *   <li>{@code controls}: every 7th line has a terminal escape and a bell, one write per line;
 *   <li>{@code long}: in every 100 lines, one of 100,000 ASCII bytes, one of 2-byte characters (past
 *       the agent's 64 KiB limit) and one with a CR right after the limit; 64 KB writes;
 *   <li>{@code utf8}: multi-byte characters, one write per line.
 * </ul>
 * {@link #line} is what it writes; the test derives from it what the agent shows.
 */
public final class HostileWriter {
    static final int LONG_LINE_BYTES = 100_000;
    /** The agent's default max_line_bytes. */
    static final int MAX_LINE_BYTES = 65536;

    private HostileWriter() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String pattern = args[0];
        int n = Integer.parseInt(args[1]);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out); // unbuffered: one write(2) per call
        Random random = new Random(42);
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] line = line(pattern, i);
            switch (pattern) {
                case "split" -> {
                    pending.writeBytes(line);
                    byte[] bytes = pending.toByteArray();
                    int at = 0;
                    while (bytes.length - at > 0 && random.nextBoolean()) {
                        int k = 1 + random.nextInt(Math.min(bytes.length - at, random.nextBoolean() ? 3 : 400));
                        out.write(bytes, at, k);
                        at += k;
                    }
                    pending.reset();
                    pending.write(bytes, at, bytes.length - at);
                }
                case "long" -> {
                    pending.writeBytes(line);
                    if (pending.size() >= 64_000) {
                        out.write(pending.toByteArray());
                        pending.reset();
                    }
                }
                default -> out.write(line);
            }
        }
        out.write(pending.toByteArray());
        Files.writeString(Path.of(args[2]), "done", StandardCharsets.US_ASCII);
        Thread.sleep(600_000);
    }

    /** Line {@code i} of {@code pattern} as written, with its line end. */
    static byte[] line(String pattern, int i) {
        String head = pattern + " " + i + " ";
        String text = switch (pattern) {
            case "crlf" -> head + "x".repeat(i % 150) + "\r\n";
            case "controls" -> i % 7 == 0 ? head + "\u001b[31mred\u001b[0m \u0007 bell\n" : head + "plain\n";
            case "long" -> switch (i % 100) {
                case 0 -> head + "L".repeat(LONG_LINE_BYTES) + "\n";
                case 25 -> head + "C".repeat(MAX_LINE_BYTES - head.length()) + "\rthe CR is past the limit\n";
                case 50 -> head + "\u00e9".repeat(LONG_LINE_BYTES / 2) + "\n"; // 2 bytes each: cut inside one or not
                default -> head + "y".repeat(i % 200) + "\n";
            };
            case "utf8" -> head + "caf\u00e9 \u2713 \ud83d\ude80 " + "\u00fc".repeat(i % 40) + "\n";
            default -> head + "s".repeat(i % 300) + "\n";
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
