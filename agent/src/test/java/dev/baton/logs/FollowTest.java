package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

class FollowTest {
    private AgentOutput out;
    private LogPipeline pipeline;
    private ProgramLog log;
    private TestPipe pipe;

    @BeforeEach
    void start() throws IOException {
        out = new AgentOutput(LogMode.RAW, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16);
        pipeline = new LogPipeline(out, 1024);
        log = pipeline.open("node", LogPipelineTest.RING_ONLY);
        pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
    }

    @AfterEach
    void stop() {
        pipe.closeWriter();
        pipeline.close();
        out.close();
    }

    @Test
    void aFollowerGetsTheLinesThatComeAfterIt() {
        writeLines(1, 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 10);
        List<LogLine> got = new CopyOnWriteArrayList<>();
        Follower follower = log.follow(got::add);
        writeLines(11, 20);
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 10);
        assertEquals(LongStream.rangeClosed(11, 20).boxed().toList(), got.stream().map(LogLine::seq).toList());
        assertEquals("line 11", got.get(0).text());
        assertEquals(StreamKind.STDOUT, got.get(0).stream());
        assertEquals(0, follower.lostLines());

        follower.close();
        writeLines(21, 30);
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 30);
        assertEquals(10, got.size());
        assertEquals(List.of("line 28", "line 29", "line 30"), log.tail(3).stream().map(LogLine::text).toList());
    }

    @Test
    void aSlowFollowerLosesLinesButNeverHoldsUpTheReader() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<LogLine> got = new CopyOnWriteArrayList<>();
        Follower follower = log.follow(line -> {
            got.add(line);
            try {
                release.await(60, TimeUnit.SECONDS); // stuck on its first line until released
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int total = 3 * Follower.QUEUE_LINES;
        writeLines(1, total);
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == total);
        assertTrue(follower.lostLines() >= total - Follower.QUEUE_LINES - 1, "lost " + follower.lostLines());

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() + follower.lostLines() == total);
        long previous = 0;
        for (LogLine line : got) {
            assertTrue(line.seq() > previous, "in order, gaps only");
            assertEquals("line " + line.seq(), line.text());
            previous = line.seq();
        }
        follower.close();
    }

    private void writeLines(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++) {
            sb.append("line ").append(i).append('\n');
        }
        pipe.write(sb.toString().getBytes(ISO_8859_1));
    }
}
