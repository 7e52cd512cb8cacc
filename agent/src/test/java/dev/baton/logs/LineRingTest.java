package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class LineRingTest {
    @Test
    void boundedByLines() {
        LineRing ring = new LineRing(3, 1 << 20);
        for (int i = 1; i <= 10; i++) {
            add(ring, i, "line " + i);
        }
        assertEquals(List.of("line 8", "line 9", "line 10"), texts(ring.tail(100)));
        assertEquals(List.of("line 10"), texts(ring.tail(1)));
        assertEquals(List.of(8L, 9L, 10L), ring.tail(3).stream().map(LogLine::seq).toList());
    }

    @Test
    void boundedByBytes() {
        LineRing ring = new LineRing(1000, 25);
        for (int i = 1; i <= 10; i++) {
            add(ring, i, "0123456789"); // 10 bytes: two fit, a third would not
        }
        assertEquals(2, ring.tail(100).size());
        assertEquals(20, ring.usedBytes());
        add(ring, 11, "a".repeat(100)); // larger than the ring: kept, cut to the ring's size
        assertEquals(List.of("a".repeat(25)), texts(ring.tail(100)));
    }

    @Test
    void aResizeNeverWaitsForAReadInProgressAndTheReaderAppliesIt() throws Exception {
        LineRing ring = new LineRing(10, 1 << 20);
        for (int i = 1; i <= 5; i++) {
            add(ring, i, "line " + i);
        }
        // The reader holds the ring for a whole read, and may wait in it for a slow stdout
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            ring.beginBatch();
            holding.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ring.append(6, 0, StreamKind.STDOUT, "line 6".getBytes(ISO_8859_1), 0, 6);
            ring.endBatch();
        });
        reader.start();
        holding.await();
        CompletableFuture<Void> resize = CompletableFuture.runAsync(() -> ring.resize(2, 1 << 20));
        await().atMost(Duration.ofSeconds(30)).until(resize::isDone); // the event loop does not wait
        done.countDown();
        reader.join();
        assertEquals(List.of("line 5", "line 6"), texts(ring.tail(100)));
        add(ring, 7, "line 7");
        assertEquals(List.of("line 6", "line 7"), texts(ring.tail(100)));
    }

    @Test
    void zeroMeansNoRing() {
        LineRing ring = new LineRing(0, 1 << 20);
        add(ring, 1, "x");
        assertEquals(List.of(), ring.tail(10));
    }

    @Test
    void keepsTheNewestLinesAcrossWrapAroundAndGrowth() {
        Random random = new Random(7);
        LineRing ring = new LineRing(50, 3000);
        Deque<String> expected = new ArrayDeque<>();
        long bytes = 0;
        for (int i = 1; i <= 20_000; i++) {
            String text = i + ":" + "abcdefghij".repeat(10).substring(0, random.nextInt(100));
            add(ring, i, text);
            expected.addLast(text);
            bytes += text.length();
            while (expected.size() > 50 || bytes > 3000) {
                bytes -= expected.removeFirst().length();
            }
            if (i % 97 == 0) {
                assertEquals(new ArrayList<>(expected), texts(ring.tail(1000)), "after line " + i);
                // shrink: the newest lines that fit the new bounds stay
                int lines = 10 + random.nextInt(40);
                int budget = 1000 + random.nextInt(2000);
                ring.resize(lines, budget);
                while (expected.size() > lines || bytes > budget) {
                    bytes -= expected.removeFirst().length();
                }
                assertEquals(new ArrayList<>(expected), texts(ring.tail(1000)), "after a resize at line " + i);
                ring.resize(50, 3000);
            }
        }
    }

    @Test
    void decodesInvalidUtf8WithReplacement() {
        LineRing ring = new LineRing(10, 1000);
        byte[] bad = {'o', 'k', (byte) 0xff, (byte) 0xc3};
        ring.add(1, 0, StreamKind.STDERR, bad, 0, bad.length);
        LogLine line = ring.tail(1).get(0);
        assertEquals("ok\ufffd\ufffd", line.text());
        assertEquals(StreamKind.STDERR, line.stream());
    }

    private static void add(LineRing ring, long seq, String text) {
        byte[] bytes = text.getBytes(ISO_8859_1);
        ring.add(seq, 1000 + seq, StreamKind.STDOUT, bytes, 0, bytes.length);
    }

    private static List<String> texts(List<LogLine> lines) {
        return lines.stream().map(LogLine::text).toList();
    }
}
