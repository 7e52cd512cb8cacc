package dev.baton.agent;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program that floods its stdout with numbered lines as fast as the pipe takes them, then touches
 * a file and sleeps: {@code Flooder block|line N DONE_FILE}. "block" writes 64,000 bytes per
 * write(2) (whole lines), "line" one write(2) per line, as a line-buffered engine does. Line i is
 * "i" zero-padded to 10 digits, a space and x's: {@link #LINE_BYTES} bytes with its newline.
 */
public final class Flooder {
    public static final int LINE_BYTES = 100;
    private static final int LINES_PER_BLOCK = 640;

    private Flooder() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        boolean perLine = args[0].equals("line");
        long n = Long.parseLong(args[1]);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out); // unbuffered: one write(2) per call
        byte[] block = new byte[LINES_PER_BLOCK * LINE_BYTES];
        for (int i = 0; i < LINES_PER_BLOCK; i++) {
            byte[] line = line(0);
            System.arraycopy(line, 0, block, i * LINE_BYTES, LINE_BYTES);
        }
        for (long first = 0; first < n; first += LINES_PER_BLOCK) {
            int k = (int) Math.min(LINES_PER_BLOCK, n - first);
            for (int i = 0; i < k; i++) {
                number(block, i * LINE_BYTES, first + i);
            }
            if (perLine) {
                for (int i = 0; i < k; i++) {
                    out.write(block, i * LINE_BYTES, LINE_BYTES);
                }
            } else {
                out.write(block, 0, k * LINE_BYTES);
            }
        }
        Files.writeString(Path.of(args[2]), "done", StandardCharsets.US_ASCII);
        Thread.sleep(600_000);
    }

    /** Line {@code i} with its newline. */
    public static byte[] line(long i) {
        byte[] line = new byte[LINE_BYTES];
        java.util.Arrays.fill(line, (byte) 'x');
        line[10] = ' ';
        line[LINE_BYTES - 1] = '\n';
        number(line, 0, i);
        return line;
    }

    private static void number(byte[] buf, int at, long i) {
        for (int d = at + 9; d >= at; d--) {
            buf[d] = (byte) ('0' + i % 10);
            i /= 10;
        }
    }
}
