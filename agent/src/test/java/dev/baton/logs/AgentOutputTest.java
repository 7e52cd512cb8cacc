package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;

class AgentOutputTest {
    private static final LogSettings TO_STDOUT = new LogSettings(true, null, 0, 0, 100, 1 << 16);

    @TempDir
    Path dir;

    @Test
    void rawModeCopiesEachLineByteForByte() throws IOException {
        Path file = dir.resolve("stdout");
        List<byte[]> lines = List.of(
                "{\"level\":\"info\",\"msg\":\"slot 42 \\u00e9\",\"ts\":1700000000}".getBytes(UTF_8),
                "caf\u00e9 \u2713 UTF-8".getBytes(UTF_8),
                new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, 0x00, 0x7f, ' ', '|', ' '},
                new byte[0],
                "  leading and trailing spaces  ".getBytes(UTF_8));
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            input.writeBytes(line);
            input.writeBytes(new byte[] {'\r', '\n'}); // CRLF in, LF out
            expected.writeBytes(line);
            expected.write('\n');
        }
        byte[] out = pipeThrough(LogMode.RAW, file, input.toByteArray(), expected.size());
        assertArrayEquals(expected.toByteArray(), out);
    }

    @Test
    void prefixedModeNamesTheProgramOnEveryLine() throws IOException {
        Path file = dir.resolve("stdout");
        String expected = "web | first\nweb | \nweb | second | with a bar\n";
        byte[] out = pipeThrough(LogMode.PREFIXED, file, "first\n\nsecond | with a bar".getBytes(UTF_8), expected.length());
        assertEquals(expected, new String(out, UTF_8));
    }

    @Test
    void prefixedModeEscapesControlCharactersSoNoLineLooksLikeTheAgents() throws IOException {
        Path file = dir.resolve("stdout");
        byte[] input = "ok\rbaton | forged\n\u001b[2K\u001b[1Gbaton | cleared\tstill\u0007\n".getBytes(UTF_8);
        String expected = "web | ok\\x0dbaton | forged\nweb | \\x1b[2K\\x1b[1Gbaton | cleared\tstill\\x07\n";
        byte[] out = pipeThrough(LogMode.PREFIXED, file, input, expected.length());
        assertEquals(expected, new String(out, UTF_8));
    }

    @Test
    void prefixedModePassesLinesWithoutControlCharactersAsTheyAre() throws IOException {
        Path file = dir.resolve("stdout");
        byte[] input = "tab\tand CRLF\r\nx\u001by\n\u00e9 plain\n".getBytes(UTF_8);
        String expected = "web | tab\tand CRLF\nweb | x\\x1by\nweb | \u00e9 plain\n";
        byte[] out = pipeThrough(LogMode.PREFIXED, file, input, expected.getBytes(UTF_8).length);
        assertEquals(expected, new String(out, UTF_8));
    }

    @Test
    void rawModeKeepsControlCharactersByteExact() throws IOException {
        Path file = dir.resolve("stdout");
        byte[] input = "a\rb\u001b[2Kc\n".getBytes(UTF_8);
        byte[] out = pipeThrough(LogMode.RAW, file, input, input.length);
        assertEquals(new String(input, UTF_8), new String(out, UTF_8));
    }

    @Test
    void noneModeDropsProgramLinesButKeepsAgentLines() throws IOException {
        Path file = dir.resolve("stdout");
        try (FileChannel target = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                AgentOutput out = new AgentOutput(LogMode.NONE, target, 1 << 16)) {
            out.programLine("web", StreamKind.STDOUT, "hidden".getBytes(UTF_8), 0, 6);
            out.agentLine("agent says hi");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.size(file) == 14);
            assertEquals("agent says hi\n", Files.readString(file));
            assertEquals(0, out.droppedLines());
        }
    }

    @Test
    void programAndAgentLinesNeverInterleave() throws Exception {
        Path file = dir.resolve("stdout");
        int perThread = 5000;
        try (FileChannel target = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                AgentOutput out = new AgentOutput(LogMode.PREFIXED, target, 1 << 20)) {
            Thread agent = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    out.agentLine("agent line " + i + " " + "a".repeat(i % 300));
                }
            });
            agent.start();
            for (int i = 0; i < perThread; i++) {
                byte[] line = ("program line " + i + " " + "p".repeat(i % 300)).getBytes(UTF_8);
                out.programLine("node", StreamKind.STDERR, line, 0, line.length);
            }
            agent.join();
            // a drop (if the writer thread was starved) is announced on a line of its own
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(file).stream()
                    .filter(l -> !l.startsWith("[baton] ")).count() + out.droppedLines() == 2L * perThread);
        }
        Pattern whole = Pattern.compile("(agent line|node \\| program line) (\\d+) ([ap]*)");
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("[baton] ")) {
                continue;
            }
            Matcher m = whole.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals(Integer.parseInt(m.group(2)) % 300, m.group(3).length(), line);
        }
    }

    @Test
    void aBlockedStdoutDropsWholeLinesAndSaysSoOnceItMovesAgain() throws Exception {
        Pipe pipe = Pipe.open(); // a real pipe: nobody reads it until the end of the test
        try (AgentOutput out = new AgentOutput(LogMode.RAW, pipe.sink(), 64 * 1024)) {
            byte[] line = "x".repeat(99).getBytes(ISO_8859_1);
            long start = System.nanoTime();
            for (int i = 0; i < 20_000; i++) {
                out.programLine("node", StreamKind.STDOUT, line, 0, line.length);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Liveness, not speed (the machine may be loaded): a programLine blocked on the pipe would never return.
            assertTrue(millis < 30_000, "2 MB of lines took " + millis + " ms: programLine blocked");
            long dropped = out.droppedLines();
            assertTrue(dropped > 10_000, "dropped " + dropped);

            // Unblock stdout: what was buffered comes out in whole lines, plus notices of the drops
            List<String> received = new ArrayList<>();
            StringBuilder partial = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            pipe.source().configureBlocking(false);
            Pattern notice = Pattern.compile("\\[baton] (\\d+) lines of node dropped over [0-9.]+ s: stdout was stalled");
            long[] announced = new long[1];
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                buf.clear();
                int n = pipe.source().read(buf);
                for (int i = 0; i < n; i++) {
                    char c = (char) buf.get(i);
                    if (c != '\n') {
                        partial.append(c);
                        continue;
                    }
                    Matcher m = notice.matcher(partial);
                    if (m.matches()) {
                        announced[0] += Long.parseLong(m.group(1));
                    } else {
                        received.add(partial.toString());
                    }
                    partial.setLength(0);
                }
                return announced[0] == dropped && received.size() + dropped == 20_000;
            });
            assertEquals(Set.of("x".repeat(99)), new HashSet<>(received));
        }
    }

    @Test
    void closeGivesUpOnABlockedStdoutWithinSeconds() throws Exception {
        Pipe pipe = Pipe.open();
        AgentOutput out = new AgentOutput(LogMode.RAW, pipe.sink(), 1 << 20);
        byte[] line = "y".repeat(199).getBytes(ISO_8859_1);
        for (int i = 0; i < 5000; i++) {
            out.programLine("node", StreamKind.STDOUT, line, 0, line.length);
        }
        long start = System.nanoTime();
        out.close();
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Liveness, not speed: a close that waited for the blocked pipe would never return.
        assertTrue(millis < 30_000, "close took " + millis + " ms");
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("baton-stdout")));
    }

    @Test
    void linesWrittenByTheReaderItselfKeepTheirOrderWithTheSpillAndTheAgentsLines() throws Exception {
        int[] fds = LinuxIo.pipe(0); // a blocking pipe, as fd 1 is; read in small bites so it fills now and then
        int batches = 400, perBatch = 50, agentLines = 2000;
        List<String> received = new ArrayList<>();
        Thread consumer = new Thread(() -> readLines(fds[0], received));
        consumer.start();
        try (FileOutputStream stdout = new FileOutputStream("/proc/self/fd/" + fds[1]);
                AgentOutput out = new AgentOutput(LogMode.RAW, stdout.getChannel(), fds[1], 1 << 20, Duration.ofSeconds(30))) {
            Thread agent = new Thread(() -> {
                for (int i = 0; i < agentLines; i++) {
                    out.agentLine("agent " + i);
                }
            });
            agent.start();
            int dropped = 0;
            for (int b = 0; b < batches; b++) {
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < perBatch; i++) {
                    batch.append("node ").append(b * perBatch + i).append(' ').append("p".repeat(150)).append('\n');
                }
                byte[] bytes = batch.toString().getBytes(UTF_8);
                dropped += out.offerProgramLines("node", bytes, 0, bytes.length, perBatch);
                out.wakeIfPending();
            }
            agent.join();
            assertEquals(0, dropped);
            assertTrue(out.awaitWritten(Duration.ofSeconds(30).toNanos()));
        } finally {
            LinuxIo.close(fds[1]);
        }
        consumer.join(30_000);
        Pattern line = Pattern.compile("(node|agent) (\\d+)( p{150})?");
        int[] next = new int[2];
        synchronized (received) {
            for (String l : received) {
                Matcher m = line.matcher(l);
                assertTrue(m.matches(), l);
                int who = m.group(1).equals("node") ? 0 : 1;
                assertEquals(next[who]++, Integer.parseInt(m.group(2)), "out of order: " + l);
            }
        }
        assertEquals(batches * perBatch, next[0]);
        assertEquals(agentLines, next[1]);
    }

    @Test
    void aStalledStdoutHoldsTheReaderAtMostTheStallTimeoutAndStaysBlocking() throws Exception {
        int[] fds = LinuxIo.pipe(0); // nobody reads it
        try (FileOutputStream stdout = new FileOutputStream("/proc/self/fd/" + fds[1]);
                AgentOutput out = new AgentOutput(LogMode.RAW, stdout.getChannel(), fds[1], 256 * 1024, Duration.ofMillis(500))) {
            byte[] batch = ("x".repeat(199) + "\n").repeat(300).getBytes(ISO_8859_1);
            long start = System.nanoTime();
            int dropped = 0;
            for (int i = 0; i < 40; i++) { // 2.4 MB: the pipe and the spill fill, then lines are dropped
                dropped += out.offerProgramLines("node", batch, 0, batch.length, 300);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Liveness, not speed: a reader blocked in a write to the full pipe would never return.
            assertTrue(millis < 30_000, "took " + millis + " ms");
            assertTrue(dropped > 0 && dropped == out.droppedLines(), "dropped " + dropped);
            assertEquals(0, LinuxIo.C.fcntl(fds[1], 3 /* F_GETFL */, 0) & LinuxIo.O_NONBLOCK, "fd 1 stays blocking");
        } finally {
            LinuxIo.close(fds[0]); // the writer thread's blocked write fails: close returns
            LinuxIo.close(fds[1]);
        }
    }

    @Test
    void aSlowConsumerThatKeepsReadingIsNotTakenForStalled() throws Exception {
        // ~800 KB/s: a 2 MiB spill takes it ~2.6 s to drain, longer than the stall timeout, but it
        // reads all along. Written in one piece, the spill would show no progress until the end.
        int[] fds = LinuxIo.pipe(0);
        List<String> received = new ArrayList<>();
        Thread consumer = new Thread(() -> readLines(fds[0], received, 5));
        consumer.start();
        int batches = 100, perBatch = 200; // 4 MB
        try (FileOutputStream stdout = new FileOutputStream("/proc/self/fd/" + fds[1]);
                AgentOutput out = new AgentOutput(LogMode.RAW, stdout.getChannel(), fds[1], 2 << 20, Duration.ofSeconds(1))) {
            int dropped = 0;
            for (int b = 0; b < batches; b++) {
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < perBatch; i++) {
                    batch.append("node ").append(b * perBatch + i).append(' ').append("s".repeat(190)).append('\n');
                }
                byte[] bytes = batch.toString().getBytes(UTF_8);
                dropped += out.offerProgramLines("node", bytes, 0, bytes.length, perBatch);
            }
            out.wakeIfPending();
            assertEquals(0, dropped);
            assertTrue(out.awaitWritten(Duration.ofSeconds(60).toNanos()));
            assertEquals(0, out.droppedLines());
        } finally {
            LinuxIo.close(fds[1]);
        }
        consumer.join(60_000);
        synchronized (received) {
            assertEquals(batches * perBatch, received.size());
        }
    }

    @Test
    void aStdoutThatFailsForAWhileIsWrittenAgainOnceItWorksWithALineForWhatWasLost() throws Exception {
        // A file on a full disk: writes fail, then space comes back. Before, the first failure ended
        // the agent's stdout for good, its own log lines included.
        ByteArrayChannel disk = new ByteArrayChannel();
        disk.room.set(5);
        try (AgentOutput out = new AgentOutput(LogMode.RAW, disk, 1 << 16)) {
            out.agentLine("half written"); // the disk takes 5 bytes, then it is full
            await().atMost(Duration.ofSeconds(30)).until(() -> out.droppedLines() == 1);
            out.agentLine("while the disk is full");
            await().atMost(Duration.ofSeconds(30)).until(() -> out.droppedLines() == 2);
            disk.room.set(-1);
            out.agentLine("space again");
            await().atMost(Duration.ofSeconds(30)).until(() -> disk.text(UTF_8).contains("space again\n"));
            String text = disk.text(UTF_8);
            // the half line the disk took stays; the notice starts a line of its own
            assertTrue(text.matches("half \n\\[baton] 2 lines lost over [0-9.]+ s: stdout could not be written "
                    + "\\(No space left on device\\)\nspace again\n"), text);
        }
    }

    /** Reads {@code fd} 4 KiB at a time into lines until EOF. */    /** Reads {@code fd} 4 KiB at a time into lines until EOF. */
    private static void readLines(int fd, List<String> into) {
        readLines(fd, into, 0);
    }

    /** Reads {@code fd} 4 KiB at a time, pausing {@code pauseMillis} after each read, into lines until EOF. */
    private static void readLines(int fd, List<String> into, long pauseMillis) {
        try (FileInputStream in = new FileInputStream("/proc/self/fd/" + fd)) {
            LinuxIo.close(fd);
            StringBuilder partial = new StringBuilder();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        synchronized (into) {
                            into.add(partial.toString());
                        }
                        partial.setLength(0);
                    } else {
                        partial.append((char) buf[i]);
                    }
                }
                if (pauseMillis > 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis)); // the pace of a slow reader
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes {@code input} into a real pipe of program "web" and returns what reached the file. */
    private static byte[] pipeThrough(LogMode mode, Path file, byte[] input, int expectedBytes) throws IOException {
        try (FileChannel target = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                AgentOutput out = new AgentOutput(mode, target, 1 << 16);
                LogPipeline pipeline = new LogPipeline(out, 1024)) {
            TestPipe pipe = TestPipe.open();
            pipeline.attach(pipeline.open("web", TO_STDOUT), pipe.readFd, -1);
            pipe.write(input);
            pipe.closeWriter();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.size(file) >= expectedBytes);
        }
        return Files.readAllBytes(file);
    }
}
