package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

/**
 * The reader takes at most 256 KiB from a ready pipe before it turns to the next ready one, so a line
 * in one pipe (an engine's handover line) never waits behind a whole megabyte of another's flood. The
 * pipes are filled before the reader sees them, so what each read finds is known.
 */
class ReaderFairnessTest {
    private static final int LINE = 200;
    /** Lines that fill most of a 1 MiB pipe (1,000,000 bytes): four turns' worth. */
    private static final int LINES = 5_000;

    private AgentOutput out;
    private LogPipeline pipeline;

    @BeforeEach
    void start() throws IOException {
        out = new AgentOutput(LogMode.RAW, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16);
        pipeline = new LogPipeline(out, 1024);
    }

    @AfterEach
    void stop() {
        pipeline.close();
        out.close();
    }

    @Test
    void pipesReadyTogetherAreReadInTurnsOf256KiB() {
        ProgramLog log = pipeline.open("node", LogPipelineTest.RING_ONLY);
        Map<StreamKind, Integer> counts = new EnumMap<>(StreamKind.class);
        Map<StreamKind, Integer> otherWhenFirst = new EnumMap<>(StreamKind.class);
        pipeline.addListener((program, stream, buf, off, len) -> {
            synchronized (counts) {
                if (!counts.containsKey(stream)) {
                    StreamKind other = stream == StreamKind.STDOUT ? StreamKind.STDERR : StreamKind.STDOUT;
                    otherWhenFirst.put(stream, counts.getOrDefault(other, 0));
                }
                counts.merge(stream, 1, Integer::sum);
            }
        });
        // Paused, so that both pipes are registered in the same round and are ready together
        assertNotNull(pipeline.quiesce(Duration.ofSeconds(30)));
        TestPipe stdout = filled();
        TestPipe stderr = filled();
        pipeline.attach(log, stdout.readFd, stderr.readFd);
        pipeline.resumeReading();

        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 2 * LINES);
        int turn = ReaderLoop.CHUNK / LINE + 1;
        synchronized (counts) {
            for (Map.Entry<StreamKind, Integer> e : otherWhenFirst.entrySet()) {
                assertTrue(e.getValue() <= turn, e.getKey() + "'s first line came after " + e.getValue()
                        + " lines of the other pipe: more than one turn of " + ReaderLoop.CHUNK + " bytes");
            }
        }
        stdout.closeWriter();
        stderr.closeWriter();
    }

    /** A pipe enlarged to 1 MiB holding {@link #LINES} lines of {@link #LINE} bytes, unread. */
    private static TestPipe filled() {
        TestPipe pipe = TestPipe.open();
        assertTrue(LinuxIo.setPipeSize(pipe.readFd, 1 << 20) >= 0, "F_SETPIPE_SZ 1 MiB");
        byte[] lines = ("x".repeat(LINE - 1) + "\n").repeat(LINES).getBytes(ISO_8859_1);
        pipe.write(lines);
        return pipe;
    }
}
