package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

class StdoutBatchTest {

    @Test
    void aBatchThatDoesNotFitGoesLineByLineAndCountsExactlyTheLinesDropped() throws Exception {
        Pipe pipe = Pipe.open(); // nobody reads it until the end: stdout is stalled
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, pipe.sink(), 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out);
            byte[] line = "z".repeat(95).getBytes(ISO_8859_1); // "node | " + 95 + '\n' = 103 bytes
            int total = 3000; // 309,000 bytes: more than the spool, the pipe and a batch hold
            int dropped = 0;
            for (int i = 0; i < total; i++) {
                batch.add("node", line, 0, line.length);
                if (i % 300 == 299) {
                    dropped += batch.flush();
                }
            }
            dropped += batch.flush();
            assertTrue(dropped > 0 && dropped < total, "dropped " + dropped);
            assertEquals(dropped, out.droppedLines());

            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            pipe.source().configureBlocking(false);
            int expectedBytes = (total - dropped) * 103;
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                buf.clear();
                int n = pipe.source().read(buf);
                received.write(buf.array(), 0, Math.max(n, 0));
                return received.toString(ISO_8859_1).replaceAll("\\[baton] dropped \\d+ lines: stdout was blocked\n", "")
                        .length() >= expectedBytes;
            });
            String text = received.toString(ISO_8859_1).replaceAll("\\[baton] dropped \\d+ lines: stdout was blocked\n", "");
            assertEquals(("node | " + "z".repeat(95) + "\n").repeat(total - dropped), text);
        }
    }

    @Test
    void noneModeStagesNothing() {
        try (AgentOutput out = new AgentOutput(LogMode.NONE, new ByteArrayChannel(), 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out);
            batch.add("node", new byte[10], 0, 10);
            assertEquals(0, batch.flush());
            assertEquals(0, out.droppedLines());
        }
    }

    /** A target that keeps what it is given. */
    private static final class ByteArrayChannel implements java.nio.channels.WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            bytes.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
