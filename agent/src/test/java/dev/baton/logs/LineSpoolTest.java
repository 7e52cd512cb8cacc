package dev.baton.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The spool starts small and grows up to its capacity without losing or reordering lines. */
class LineSpoolTest {

    private static byte[] line(int i) {
        return ("line " + i + " " + "x".repeat(i % 300)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void growsWhileTheConsumerHoldsARunAndKeepsOrder() {
        LineSpool spool = new LineSpool(1 << 20);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        StringBuilder expected = new StringBuilder();
        int n = 0;
        for (int round = 0; round < 50; round++) {
            // the consumer takes a run, the producer fills past the initial size (forcing growth and
            // wrap-around), then the consumer writes the run it held in two parts
            ByteBuffer run = spool.next();
            for (int k = 0; k < 200; k++, n++) {
                byte[] l = line(n);
                assertNotEquals(LineSpool.DROPPED, spool.append(null, l, 0, l.length, false));
                expected.append(new String(l, StandardCharsets.UTF_8)).append('\n');
            }
            int half = run.remaining() / 2;
            written.write(run.array(), run.position(), half);
            spool.release(half);
            written.write(run.array(), run.position() + half, run.remaining() - half);
            spool.release(run.remaining() - half);
        }
        for (ByteBuffer run = spool.next(); run.hasRemaining(); run = spool.next()) {
            written.write(run.array(), run.position(), run.remaining());
            spool.release(run.remaining());
        }
        assertEquals(expected.toString(), written.toString(StandardCharsets.UTF_8));
        assertEquals(0, spool.dropped());
    }

    @Test
    void dropsWholeLinesOnlyAtItsCapacity() {
        int capacity = 256 * 1024;
        LineSpool spool = new LineSpool(capacity);
        byte[] l = new byte[999];
        int accepted = 0;
        while (spool.append(null, l, 0, l.length, false) != LineSpool.DROPPED) {
            accepted++;
        }
        assertEquals((capacity - 256) / 1000, accepted);
        assertEquals(1, spool.dropped());
    }
}
