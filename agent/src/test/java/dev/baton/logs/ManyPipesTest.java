package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

/** 50 pipes (25 programs, stdout and stderr) written at once, all drained, all fds closed at EOF. */
class ManyPipesTest {
    private static final int PROGRAMS = 25;
    private static final int LINES = 2000;

    @Test
    void manyPipesAreAllDrainedAndClosedAtEof() throws Exception {
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED,
                FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 20);
                LogPipeline pipeline = new LogPipeline(out, 4096)) {
            CollectedLines seen = new CollectedLines();
            pipeline.addListener(seen);
            int fdsBefore = openPipes();

            List<ProgramLog> logs = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (int p = 0; p < PROGRAMS; p++) {
                ProgramLog log = pipeline.open("p" + p, LogPipelineTest.RING_ONLY);
                logs.add(log);
                TestPipe stdout = TestPipe.open();
                TestPipe stderr = TestPipe.open();
                pipeline.attach(log, stdout.readFd, stderr.readFd);
                writers.add(writer(stdout, "p" + p + " out "));
                writers.add(writer(stderr, "p" + p + " err "));
            }
            assertEquals(fdsBefore + 2 * 2 * PROGRAMS, openPipes()); // both ends of 50 pipes
            writers.forEach(Thread::start);
            for (Thread w : writers) {
                w.join();
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> logs.stream().allMatch(l -> l.lines() == 2 * LINES));
            await().atMost(Duration.ofSeconds(30)).until(() -> openPipes() == fdsBefore);
            for (int p = 0; p < PROGRAMS; p++) {
                List<byte[]> lines = seen.bytesOf("p" + p);
                assertEquals(2 * LINES, lines.size());
                assertInOrder(lines, "p" + p + " out ");
                assertInOrder(lines, "p" + p + " err ");
            }
        }
    }

    private static Thread writer(TestPipe pipe, String prefix) {
        return new Thread(() -> {
            for (int i = 0; i < LINES; i++) {
                // lines of varied length, several per write, some split across writes
                pipe.write((prefix + i + " " + "z".repeat(i % 97) + "\n").getBytes(ISO_8859_1));
            }
            pipe.closeWriter();
        });
    }

    private static void assertInOrder(List<byte[]> lines, String prefix) {
        int i = 0;
        for (byte[] line : lines) {
            String text = new String(line, ISO_8859_1);
            if (text.startsWith(prefix)) {
                assertArrayEquals((prefix + i + " " + "z".repeat(i % 97)).getBytes(ISO_8859_1), line);
                i++;
            }
        }
        assertEquals(LINES, i);
    }

    /** Open pipe fds of this JVM (other fds, such as jars opened by class loading, vary). */
    static int openPipes() {
        int n = 0;
        for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
            try {
                n += Files.readSymbolicLink(fd.toPath()).toString().startsWith("pipe:") ? 1 : 0;
            } catch (IOException e) {
                // closed while listing
            }
        }
        return n;
    }
}
