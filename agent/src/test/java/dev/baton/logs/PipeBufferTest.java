package dev.baton.logs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

class PipeBufferTest {
    private static final int DEFAULT_PIPE = 64 * 1024;

    @Test
    void attachedPipesGetTheBiggerBuffer() throws IOException {
        int maxSize = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim());
        int expected = Math.min(PipeBuffer.WANTED, maxSize);
        assertTrue(expected > DEFAULT_PIPE, "this kernel allows no pipe bigger than the default");
        try (AgentOutput out = new AgentOutput(LogMode.RAW, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16)) {
            LogPipeline pipeline = new LogPipeline(out, 1024);
            try {
                ProgramLog log = pipeline.open("node", LogPipelineTest.RING_ONLY);
                TestPipe pipe = TestPipe.open();
                assertEquals(DEFAULT_PIPE, LinuxIo.pipeSize(pipe.readFd));
                pipeline.attach(log, pipe.readFd, -1);
                await().atMost(Duration.ofSeconds(30)).until(() -> LinuxIo.pipeSize(pipe.readFd) == expected);
                pipe.write("still read\n".getBytes());
                await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 1);
            } finally {
                pipeline.close();
            }
        }
    }

    @Test
    void aRefusedSizeLeavesThePipeAsItWas() {
        TestPipe pipe = TestPipe.open();
        try {
            // Above 2 GiB the kernel refuses any caller, root included (EINVAL)
            PipeBuffer tooBig = new PipeBuffer(3 << 30);
            assertEquals(DEFAULT_PIPE, tooBig.enlarge(pipe.readFd));
            assertEquals(DEFAULT_PIPE, tooBig.enlarge(pipe.readFd)); // and again: no failure, logged once
        } finally {
            LinuxIo.close(pipe.readFd);
            pipe.closeWriter();
        }
    }

    @Test
    void aFdThatIsNotAPipeIsLeftAlone() {
        int eventFd = LinuxIo.C.eventfd(0, LinuxIo.EFD_CLOEXEC);
        try {
            assertEquals(-1, new PipeBuffer().enlarge(eventFd));
        } finally {
            LinuxIo.close(eventFd);
        }
    }
}
