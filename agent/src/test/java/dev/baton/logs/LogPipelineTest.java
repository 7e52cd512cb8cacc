package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;

class LogPipelineTest {
    static final LogSettings RING_ONLY = new LogSettings(false, null, 0, 0, 1000, 1 << 20);

    private AgentOutput out;
    private LogPipeline pipeline;
    private final CollectedLines seen = new CollectedLines();

    @BeforeEach
    void start() throws IOException {
        out = new AgentOutput(LogMode.RAW, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16);
        pipeline = new LogPipeline(out, 16);
    }

    @AfterEach
    void stop() {
        pipeline.close();
        out.close();
    }

    @Test
    void framesLinesWrittenByteByByteThroughARealPipe() {
        pipeline.addListener(seen);
        ProgramLog log = pipeline.open("node", RING_ONLY);
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        String input = "a\r\n\nbinary \u0000\u00ff\nthis line is longer than sixteen bytes\nlast";
        for (byte b : input.getBytes(ISO_8859_1)) {
            pipe.write(new byte[] {b}); // one write(2) per byte
        }
        pipe.closeWriter();

        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 5);
        List<String> lines = seen.bytesOf("node").stream().map(b -> new String(b, ISO_8859_1)).toList();
        assertEquals(List.of("a", "", "binary \u0000\u00ff", "this line is lon", "last"), lines);
        assertEquals(1, log.truncatedLines());
        assertEquals(input.length(), log.bytes());
        assertEquals("this line is lon [baton: line cut at 16 bytes]", log.tail(2).get(0).text());
    }

    @Test
    void listenersSeeEachLineOnceEvenWhenAnotherListenerThrows() {
        AtomicInteger calls = new AtomicInteger();
        pipeline.addListener((program, stream, buf, off, len) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("a broken recogniser");
        });
        pipeline.addListener(seen);
        ProgramLog log = pipeline.open("engine", RING_ONLY);
        TestPipe stdout = TestPipe.open();
        TestPipe stderr = TestPipe.open();
        pipeline.attach(log, stdout.readFd, stderr.readFd);

        int n = 2000;
        Thread errWriter = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                stderr.write(("err " + i + "\n").getBytes(ISO_8859_1));
            }
            stderr.closeWriter();
        });
        errWriter.start();
        for (int i = 0; i < n; i++) {
            stdout.write(("out " + i + "\n").getBytes(ISO_8859_1));
        }
        stdout.closeWriter();

        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 2 * n);
        assertEquals(2 * n, calls.get());
        assertEquals(2 * n, log.lines());
        List<CollectedLines.Line> lines = seen.all();
        int outSeq = 0;
        int errSeq = 0;
        for (CollectedLines.Line line : lines) {
            assertEquals("engine", line.program());
            if (line.stream() == StreamKind.STDOUT) {
                assertArrayEquals(("out " + outSeq++).getBytes(ISO_8859_1), line.bytes());
            } else {
                assertArrayEquals(("err " + errSeq++).getBytes(ISO_8859_1), line.bytes());
            }
        }
        assertEquals(n, outSeq);
        assertEquals(n, errSeq);
    }

    @Test
    void aRunListenerGetsEveryLineOnceInOrderMostInRuns() {
        List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicInteger longestRun = new AtomicInteger();
        pipeline.addListener(new RunListener() {
            @Override
            public void onLine(String program, StreamKind stream, byte[] buf, int off, int len) {
                got.add(new String(buf, off, len, ISO_8859_1));
            }

            @Override
            public void onRun(String program, StreamKind stream, byte[] buf, int off, int[] ends, int count) {
                longestRun.accumulateAndGet(count, Math::max);
                for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
                    got.add(new String(buf, start, ends[i] - start, ISO_8859_1));
                }
            }
        });
        ProgramLog log = pipeline.open("engine", RING_ONLY);
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        StringBuilder text = new StringBuilder();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            text.append(i == 1500 ? "crlf\r\n" : i == 1600 ? "a line longer than sixteen bytes\n" : "line " + i + "\n");
        }
        byte[] bytes = text.toString().getBytes(ISO_8859_1);
        for (int at = 0; at < bytes.length; at += 5000) { // writes that end inside lines
            pipe.write(java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 5000)));
        }
        pipe.closeWriter();

        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == n);
        for (int i = 0; i < n; i++) {
            String expected = i == 1500 ? "crlf" : i == 1600 ? "a line longer th" : "line " + i;
            assertEquals(expected, got.get(i), "line " + i);
        }
        assertTrue(longestRun.get() > 1, "lines came in runs: longest " + longestRun.get());
        assertEquals(n, log.lines());
    }

    @Test
    void atMostThreeLogThreads(@TempDir Path dir) {
        assertEquals(Set.of("baton-stdout", "baton-log-reader"), logThreads());
        ProgramLog log = pipeline.open("node", new LogSettings(true, dir.resolve("node.log"), 0, 0, 10, 1 << 16));
        Follower follower = log.follow(line -> { });
        pipeline.open("web", new LogSettings(true, dir.resolve("web.log"), 0, 0, 10, 1 << 16)).follow(line -> { });
        assertEquals(Set.of("baton-stdout", "baton-log-reader", "baton-log-sinks"), logThreads());
        follower.close();
    }

    @Test
    void closeFlushesPartialLinesAndClosesEveryFd() {
        pipeline.addListener(seen);
        ProgramLog log = pipeline.open("node", RING_ONLY);
        int before = ManyPipesTest.openPipes();
        TestPipe stdout = TestPipe.open();
        TestPipe stderr = TestPipe.open();
        pipeline.attach(log, stdout.readFd, stderr.readFd);
        stdout.write("complete\npartial".getBytes(ISO_8859_1));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.bytes() == 16);
        pipeline.close();
        assertEquals(List.of("complete", "partial"), seen.bytesOf("node").stream().map(b -> new String(b, ISO_8859_1)).toList());
        stdout.closeWriter();
        stderr.closeWriter();
        assertEquals(before, ManyPipesTest.openPipes());
        TestPipe late = TestPipe.open();
        assertThrows(IllegalStateException.class, () -> pipeline.attach(log, late.readFd, -1));
        late.closeWriter();
        assertEquals(before, ManyPipesTest.openPipes()); // it closed the fd it was given
    }

    @Test
    void removeForgetsAProgramAndEndsItsFollowers() {
        ProgramLog log = pipeline.open("old", RING_ONLY);
        Follower follower = log.follow(line -> { });
        pipeline.remove("old");
        assertTrue(follower.isClosed());
        assertNotSame(log, pipeline.open("old", RING_ONLY));
        pipeline.remove("never-opened");
    }

    @Test
    void aRemovedProgramsLeftoverOutputNeverHoldsTheReader(@TempDir Path dir) throws Exception {
        // A process that outlived its removed program keeps printing: its log file is gone with the
        // program, and waiting for that file's spool (an hour of stall timeout here) would stop
        // every program's reading.
        try (AgentOutput slowToGiveUp = new AgentOutput(LogMode.RAW,
                        FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16, Duration.ofHours(1));
                LogPipeline pipes = new LogPipeline(slowToGiveUp, 1024)) {
            ProgramLog gone = pipes.open("gone", new LogSettings(false, dir.resolve("gone.log"), 0, 0, 10, 1 << 16));
            TestPipe leftover = TestPipe.open();
            pipes.attach(gone, leftover.readFd, -1);
            pipes.remove("gone");
            Thread chatter = new Thread(() -> {
                byte[] lines = ("x".repeat(99) + "\n").repeat(1000).getBytes(ISO_8859_1);
                for (int i = 0; i < 40; i++) { // 4 MB, past the file's 1 MiB spool
                    leftover.write(lines);
                }
                leftover.closeWriter();
            });
            chatter.setDaemon(true);
            chatter.start();
            chatter.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(chatter.isAlive(), "the reader stopped reading the leftover's pipe");

            ProgramLog alive = pipes.open("alive", RING_ONLY);
            TestPipe pipe = TestPipe.open();
            pipes.attach(alive, pipe.readFd, -1);
            pipe.write("still read\n".getBytes(ISO_8859_1));
            await().atMost(Duration.ofSeconds(30)).until(() -> alive.lines() == 1);
            pipe.closeWriter();
        }
    }

    @Test
    void aLineBegunBeforeAQuiesceThatIsCalledOffArrivesWhole() {
        // An exec in place that failed: reading goes on, the line it stopped in is not split in two
        pipeline.addListener(seen);
        ProgramLog log = pipeline.open("node", RING_ONLY);
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        pipe.write("first\nhalf".getBytes(ISO_8859_1));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> log.bytes() == 10);
        assertTrue(pipeline.quiesce(Duration.ofSeconds(30)) != null);
        assertEquals("half", new String(pipeline.pendingLines().values().iterator().next().bytes(), ISO_8859_1));
        pipeline.resumeReading();
        pipe.write(" and half\n".getBytes(ISO_8859_1));
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 2);
        assertEquals(List.of("first", "half and half"),
                seen.bytesOf("node").stream().map(b -> new String(b, ISO_8859_1)).toList());
    }

    @Test
    void aBegunLineTooLongToHandOverIsHandedOnAsALineAtTheQuiesce() throws Exception {
        // With max_line_bytes at 1 MiB, a 100 KB line begun at an exec in place goes out as a line
        // rather than into the handoff, which must stay a small state file
        try (LogPipeline big = new LogPipeline(out, 1 << 20)) {
            big.addListener(seen);
            ProgramLog log = big.open("node", RING_ONLY);
            TestPipe huge = TestPipe.open();
            TestPipe small = TestPipe.open();
            big.attach(log, huge.readFd, small.readFd);
            huge.write("h".repeat(100_000).getBytes(ISO_8859_1));
            small.write("s".repeat(10_000).getBytes(ISO_8859_1));
            await().atMost(Duration.ofSeconds(30)).until(() -> log.bytes() == 110_000);
            assertTrue(big.quiesce(Duration.ofSeconds(30)) != null);
            assertEquals(List.of(10_000), big.pendingLines().values().stream().map(p -> p.bytes().length).toList());
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 1);
            assertEquals(100_000, seen.bytesOf("node").get(0).length);
        }
    }

    private static Set<String> logThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("baton-")).collect(Collectors.toSet());
    }

    @Test
    void openIsIdempotentPerNameAndAppliesNewSettings() {
        ProgramLog first = pipeline.open("node", RING_ONLY);
        ProgramLog again = pipeline.open("node", new LogSettings(false, null, 0, 0, 2, 1 << 20));
        assertSame(first, again);
        TestPipe pipe = TestPipe.open();
        pipeline.attach(again, pipe.readFd, -1);
        pipe.write("1\n2\n3\n".getBytes(ISO_8859_1));
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> first.lines() == 3);
        assertEquals(List.of("2", "3"), first.tail(10).stream().map(LogLine::text).toList());
        assertEquals(List.of(2L, 3L), first.tail(10).stream().map(LogLine::seq).toList());
        assertTrue(first.tail(10).stream().allMatch(l -> l.stream() == StreamKind.STDOUT));
    }

    @Test
    void aTailTakenDuringAReadWaitsForAllOfItsLines() throws Exception {
        CountDownLatch inRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        pipeline.addListener((program, stream, buf, off, len) -> {
            if (len == 5 && new String(buf, off, len, ISO_8859_1).equals("first")) {
                inRead.countDown();
                awaitQuietly(release); // a slow line in the middle of a read
            }
        });
        ProgramLog log = pipeline.open("node", RING_ONLY);
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        pipe.write("first\nsecond\n".getBytes(ISO_8859_1)); // one write: one read
        assertTrue(inRead.await(30, TimeUnit.SECONDS));

        CompletableFuture<List<String>> tail = new CompletableFuture<>();
        Thread taker = new Thread(() -> tail.complete(log.tail(10).stream().map(LogLine::text).toList()));
        taker.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> taker.getState() == Thread.State.WAITING);
        assertFalse(tail.isDone());
        release.countDown();
        assertEquals(List.of("first", "second"), tail.get(30, TimeUnit.SECONDS));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
