package dev.baton.sim;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A PrintStream that hands each complete line (UTF-8, without its newline) to a consumer and keeps it. */
final class LineCapture extends OutputStream {

    private final Consumer<String> consumer;
    private final List<String> lines = new ArrayList<>();
    private byte[] buf = new byte[256];
    private int len;

    LineCapture(Consumer<String> consumer) {
        this.consumer = consumer;
    }

    PrintStream printStream() {
        return new PrintStream(this, true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String line = new String(buf, 0, len, StandardCharsets.UTF_8);
            len = 0;
            lines.add(line);
            consumer.accept(line);
            return;
        }
        if (len == buf.length) {
            buf = java.util.Arrays.copyOf(buf, len * 2);
        }
        buf[len++] = (byte) b;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
