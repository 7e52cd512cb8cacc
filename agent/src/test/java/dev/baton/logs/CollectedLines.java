package dev.baton.logs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A listener that keeps a copy of every line it is offered. */
final class CollectedLines implements LineListener {
    record Line(String program, StreamKind stream, byte[] bytes) {
    }

    private final List<Line> lines = new ArrayList<>();

    @Override
    public synchronized void onLine(String program, StreamKind stream, byte[] buf, int off, int len) {
        lines.add(new Line(program, stream, Arrays.copyOfRange(buf, off, off + len)));
    }

    synchronized int size() {
        return lines.size();
    }

    synchronized List<Line> all() {
        return new ArrayList<>(lines);
    }

    synchronized List<byte[]> bytesOf(String program) {
        return lines.stream().filter(l -> l.program().equals(program)).map(Line::bytes).toList();
    }
}
