package dev.baton.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * The spool starts small and grows up to its capacity without losing or reordering lines; the
 * reader waits for a consumer that moves and drops only for one that stalled, saying so once.
 */
class LineSpoolTest {
    private static final LineSpool.GapNotice NOTICE =
            (source, lines, seconds) -> "[baton] " + lines + " lines of " + source + " dropped";
    private static final long STALL = TimeUnit.MILLISECONDS.toNanos(300);

    private static String text(int i) {
        return "line " + i + " " + "x".repeat(i % 300);
    }

    private static byte[] line(int i) {
        return text(i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void growsWhileTheConsumerHoldsARunAndKeepsOrder() {
        LineSpool spool = new LineSpool(1 << 20, NOTICE);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        StringBuilder expected = new StringBuilder();
        int n = 0;
        for (int round = 0; round < 50; round++) {
            // the consumer takes a run, the producer fills past the initial size (forcing growth and
            // wrap-around), then the consumer writes the run it held in two parts
            ByteBuffer run = spool.next();
            for (int k = 0; k < 200; k++, n++) {
                byte[] l = line(n);
                assertNotEquals(LineSpool.DROPPED, spool.append("p", null, l, 0, l.length, false, null, 0));
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
        LineSpool spool = new LineSpool(capacity, NOTICE);
        byte[] l = new byte[999];
        int accepted = 0;
        while (spool.append("p", null, l, 0, l.length, false, null, 0) != LineSpool.DROPPED) {
            accepted++;
        }
        assertEquals(spool.maxProgramBytes() / 1000, accepted);
        assertEquals(1, spool.dropped());
    }

    @Test
    void theReaderWaitsForAConsumerThatMovesAndLosesNothing() throws Exception {
        LineSpool spool = new LineSpool(256 * 1024, NOTICE);
        int lines = 200_000; // 5.6 MB through a spill of 256 KiB
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        long expectedBytes = expectedBytes(lines);
        Thread consumer = new Thread(() -> {
            while (written.size() < expectedBytes) {
                ByteBuffer run = spool.next();
                int n = Math.min(run.remaining(), 4096); // small writes: a consumer slower than the producer
                if (n == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // woken by the producer when full
                }
                written.write(run.array(), run.position(), n);
                spool.release(n);
            }
        });
        consumer.start();
        Runnable wake = () -> LockSupport.unpark(consumer);
        for (int i = 0; i < lines; i++) {
            byte[] l = (text(i % 300) + "\n").getBytes(StandardCharsets.UTF_8);
            assertNotEquals(LineSpool.DROPPED, spool.offerLines("p", l, 0, l.length, 1, false, wake, STALL));
        }
        consumer.join();
        assertEquals(0, spool.dropped());
        String[] got = written.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(lines, got.length);
        for (int i = 0; i < lines; i++) {
            assertEquals(text(i % 300), got[i]);
        }
    }

    @Test
    void linesAreDroppedOnlyOnceTheConsumerStalledAndOneNoticeFollows() {
        LineSpool spool = new LineSpool(256 * 1024, NOTICE);
        byte[] l = "x".repeat(999).concat("\n").getBytes(StandardCharsets.UTF_8);
        int accepted = 0;
        while (spool.offerLines("p", l, 0, l.length, 1, false, () -> { }, STALL) != LineSpool.DROPPED) {
            accepted++; // the last offer waited for the stall timeout: nobody consumes
        }
        assertEquals(spool.maxProgramBytes() / 1000, accepted);
        // Known stalled: the next ones drop without waiting again
        assertEquals(LineSpool.DROPPED, spool.offerLines("p", l, 0, l.length, 1, false, () -> { }, TimeUnit.HOURS.toNanos(1)));
        assertEquals(LineSpool.DROPPED, spool.offerLines("q", l, 0, l.length, 1, false, () -> { }, TimeUnit.HOURS.toNanos(1)));
        assertEquals(3, spool.dropped());

        // The consumer moves again: the notices come before the next line, one per source
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuffer run = spool.next();
        written.write(run.array(), run.position(), run.remaining());
        spool.release(run.remaining());
        byte[] after = "after\n".getBytes(StandardCharsets.UTF_8);
        assertNotEquals(LineSpool.DROPPED, spool.offerLines("p", after, 0, after.length, 1, false, () -> { }, STALL));
        run = spool.next();
        assertEquals("[baton] 2 lines of p dropped\n[baton] 1 lines of q dropped\nafter\n",
                new String(run.array(), run.position(), run.remaining(), StandardCharsets.UTF_8));
    }

    @Test
    void aSourceWithDroppedLinesHasNoLaterLineBeforeItsNotice() {
        // While stdout is stalled, a short line could still fit in what a dropped long one left:
        // written before the notice, it would hide a gap behind it. It joins the gap instead.
        LineSpool spool = new LineSpool(256 * 1024, NOTICE);
        byte[] big = "b".repeat(9_999).concat("\n").getBytes(StandardCharsets.UTF_8);
        byte[] small = "s\n".getBytes(StandardCharsets.UTF_8);
        while (spool.offerLines("p", big, 0, big.length, 1, false, () -> { }, STALL) != LineSpool.DROPPED) {
            // fill until the stall drops one
        }
        assertEquals(LineSpool.DROPPED, spool.offerLines("p", small, 0, small.length, 1, false, () -> { }, STALL));
        // another source's line that fits is kept: it has no gap to hide
        assertNotEquals(LineSpool.DROPPED, spool.offerLines("q", small, 0, small.length, 1, false, () -> { }, STALL));
        assertEquals(2, spool.dropped());

        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuffer run = spool.next();
        written.write(run.array(), run.position(), run.remaining());
        spool.release(run.remaining());
        assertNotEquals(LineSpool.DROPPED, spool.offerLines("p", small, 0, small.length, 1, false, () -> { }, STALL));
        run = spool.next();
        written.write(run.array(), run.position(), run.remaining());
        String out = written.toString(StandardCharsets.UTF_8);
        assertEquals("b".repeat(9_999) + "\ns\n[baton] 2 lines of p dropped\ns\n", out.substring(out.lastIndexOf("b".repeat(9_999))));
    }

    private static long expectedBytes(int lines) {
        long n = 0;
        for (int i = 0; i < lines; i++) {
            n += line(i % 300).length + 1;
        }
        return n;
    }
}
