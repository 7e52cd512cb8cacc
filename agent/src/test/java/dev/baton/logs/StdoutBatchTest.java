package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.baton.config.LogMode;

class StdoutBatchTest {
    private static final String NOTICE = "\\[baton] \\d+ lines of node dropped over [0-9.]+ s: stdout was stalled\n";

    @Test
    void aStalledStdoutDropsWholeBatchesAndCountsExactlyTheLinesDropped() throws Exception {
        Pipe pipe = Pipe.open(); // nobody reads it until the end: stdout is stalled
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, pipe.sink(), 64 * 1024, Duration.ofMillis(300))) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
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
                return received.toString(ISO_8859_1).replaceAll(NOTICE, "")
                        .length() >= expectedBytes;
            });
            String text = received.toString(ISO_8859_1).replaceAll(NOTICE, "");
            assertEquals(("node | " + "z".repeat(95) + "\n").repeat(total - dropped), text);
        }
    }

    @Test
    void anEscapedLineIsCutAtTheLongestLineNeverInsideAnEscape() {
        // Escaping writes 4 bytes per control byte: uncut, a line of them near max_line_bytes would be
        // 4 times larger than any line the spill and the heap budget are sized for
        ByteArrayChannel target = new ByteArrayChannel();
        String marker = " [baton: line cut at 100 bytes]"; // 31 bytes: a line is shown cut at 131
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, target, 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 100);
            byte[] controls = new byte[131];
            Arrays.fill(controls, (byte) 0x1b);
            byte[] mixed = ("a\u001b" + "b".repeat(130)).getBytes(ISO_8859_1);
            byte[] fits = ("\u0007".repeat(20) + "abc").getBytes(ISO_8859_1);
            batch.add("node", controls, 0, controls.length);
            batch.add("node", mixed, 0, mixed.length);
            batch.add("node", fits, 0, fits.length);
            assertEquals(0, batch.flush());
        }
        assertEquals("node | " + "\\x1b".repeat(32) + marker + "\n" // 128 bytes: a 33rd escape would pass 131
                + "node | a\\x1b" + "b".repeat(126) + marker + "\n"
                + "node | " + "\\x07".repeat(20) + "abc\n", target.text(ISO_8859_1));
    }

    @Test
    void linesLeftInTheReadBufferAndStagedLinesGoOutInTheirOrder() {
        ByteArrayChannel target = new ByteArrayChannel();
        try (AgentOutput out = new AgentOutput(LogMode.RAW, target, 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            byte[] read = "tail-of-carried\na\nb\r\nc\nd\ne".getBytes(ISO_8859_1);
            byte[] carry = "carried".getBytes(ISO_8859_1);
            batch.beginRead(read);
            batch.add("p", carry, 0, carry.length);   // from a framer's carry: staged
            batch.add("p", read, 16, 1);              // "a": left in place
            batch.add("p", read, 18, 1);              // "b" whose '\r' was dropped: staged after "a"
            batch.add("p", read, 21, 1);              // "c", "d": in place again
            batch.add("p", read, 23, 1);
            batch.add("p", read, 25, 1);              // "e" has no '\n' after it (end of pipe): staged
            assertEquals(0, batch.flush());
        }
        assertEquals("carried\na\nb\nc\nd\ne\n", target.text(ISO_8859_1));
    }

    @Test
    void runsOfLinesJoinTheLinesLeftInPlaceAndKeepTheirOrder() {
        ByteArrayChannel target = new ByteArrayChannel();
        try (AgentOutput out = new AgentOutput(LogMode.RAW, target, 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            byte[] read = "a\nb\nc\r\nd\ne\nf\n".getBytes(ISO_8859_1);
            batch.beginRead(read);
            batch.addRun("p", read, 0, new int[] {1, 3}, 2, false); // "a", "b"
            batch.add("p", read, 4, 1);                      // "c" whose '\r' was dropped: staged
            batch.addRun("p", read, 7, new int[] {8}, 1, false);    // "d"
            batch.add("p", read, 9, 1);                      // "e": in place, after "d"
            batch.addRun("p", read, 11, new int[] {12}, 1, false);  // "f"
            assertEquals(0, batch.flush());
        }
        assertEquals("a\nb\nc\nd\ne\nf\n", target.text(ISO_8859_1));
    }

    @Test
    void aRunOfPrefixedLinesNotKnownCleanIsEscapedLineByLine() {
        ByteArrayChannel target = new ByteArrayChannel();
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, target, 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            byte[] read = "a\nb\u001b\n".getBytes(ISO_8859_1);
            batch.beginRead(read);
            batch.addRun("p", read, 0, new int[] {1, 4}, 2, false);
            assertEquals(0, batch.flush());
        }
        assertEquals("p | a\np | b\\x1b\n", target.text(ISO_8859_1));
    }

    @Test
    void cleanPrefixedRunsAreCopiedWholeAfterTheStagedLinesAndAcrossHandOvers() {
        ByteArrayChannel target = new ByteArrayChannel();
        StringBuilder expected = new StringBuilder("p | x\\x07\n");
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, target, 1 << 20)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            byte[] bell = "x\u0007\n".getBytes(ISO_8859_1);
            batch.beginRead(bell);
            batch.add("p", bell, 0, 2); // staged and escaped first: the run must follow it
            // Runs of 256 lines of 300 bytes: more than a hand-over's worth of staged bytes
            StringBuilder in = new StringBuilder();
            int[] ends = new int[3 * 256];
            for (int i = 0; i < ends.length; i++) {
                String line = String.format("%04d", i) + "\t" + "y".repeat(295);
                in.append(line).append('\n');
                ends[i] = in.length() - 1;
                expected.append("p | ").append(line).append('\n');
            }
            byte[] read = in.toString().getBytes(ISO_8859_1);
            batch.beginRead(read);
            for (int run = 0; run < 3; run++) {
                int off = run == 0 ? 0 : ends[run * 256 - 1] + 1;
                batch.addRun("p", read, off, Arrays.copyOfRange(ends, run * 256, run * 256 + 256), 256, true);
            }
            assertEquals(0, batch.flush());
        }
        assertEquals(expected.toString(), target.text(ISO_8859_1));
    }

    @Test
    void prefixedLinesAreNeverLeftInPlace() {
        ByteArrayChannel target = new ByteArrayChannel();
        try (AgentOutput out = new AgentOutput(LogMode.PREFIXED, target, 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            byte[] read = "a\nb\n".getBytes(ISO_8859_1);
            batch.beginRead(read);
            batch.add("p", read, 0, 1);
            batch.add("p", read, 2, 1);
            assertEquals(0, batch.flush());
        }
        assertEquals("p | a\np | b\n", target.text(ISO_8859_1));
    }

    @Test
    void noneModeStagesNothing() {
        try (AgentOutput out = new AgentOutput(LogMode.NONE, new ByteArrayChannel(), 64 * 1024)) {
            StdoutBatch batch = new StdoutBatch(out, 1 << 16);
            batch.add("node", new byte[10], 0, 10);
            assertEquals(0, batch.flush());
            assertEquals(0, out.droppedLines());
        }
    }
}
