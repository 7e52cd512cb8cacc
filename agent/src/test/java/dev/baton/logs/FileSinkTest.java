package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;
import dev.baton.hardening.LogCapture;
import dev.baton.process.os.Os;

class FileSinkTest {
    @TempDir
    Path dir;
    private AgentOutput out;
    private LogPipeline pipeline;

    @BeforeEach
    void start() throws IOException {
        out = new AgentOutput(LogMode.RAW, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16,
                Duration.ofMillis(500)); // the stall timeout: how long a stalled file holds the reader
        pipeline = new LogPipeline(out, 1024);
    }

    @AfterEach
    void stop() {
        pipeline.close();
        out.close();
    }

    @Test
    void rotatesAtMaxBytesAndKeepsNBackups() throws IOException {
        Path file = dir.resolve("logs/node/node.log"); // parent directories are created
        ProgramLog log = pipeline.open("node", new LogSettings(false, file, 1000, 2, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        int lines = 100;
        for (int i = 0; i < lines; i++) {
            pipe.write(line(i));  // 100 bytes each: 10 per file
        }
        pipe.closeWriter();

        Path backup1 = file.resolveSibling("node.log.1");
        Path backup2 = file.resolveSibling("node.log.2");
        // the last 10 lines fill the current file exactly; 20 more are in the two backups
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Files.exists(file) && Files.size(file) == 1000
                && readLines(backup2).size() == 10 && readLines(backup1).size() == 10
                && readLines(file).get(9).equals(text(99)));
        assertFalse(Files.exists(file.resolveSibling("node.log.3")));
        List<String> kept = new ArrayList<>(readLines(backup2));
        kept.addAll(readLines(backup1));
        kept.addAll(readLines(file));
        for (int i = 0; i < 30; i++) {
            assertEquals(text(70 + i), kept.get(i));
        }
        for (Path p : List.of(file, backup1, backup2)) {
            assertTrue(Files.size(p) <= 1000, p + " has " + Files.size(p) + " bytes");
        }
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(0, log.droppedByFile());
    }

    @Test
    void noBackupsMeansTheFileStartsOver() throws IOException {
        Path file = dir.resolve("web.log");
        ProgramLog log = pipeline.open("web", new LogSettings(false, file, 250, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        for (int i = 0; i < 7; i++) {
            pipe.write(line(i));
        }
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Files.exists(file) && readLines(file).equals(List.of(text(6))));
        assertFalse(Files.exists(dir.resolve("web.log.1")));
    }

    @Test
    void aChangedFileSettingMovesTheLines() throws IOException {
        Path first = dir.resolve("a.log");
        Path second = dir.resolve("b.log");
        ProgramLog log = pipeline.open("node", new LogSettings(false, first, 0, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        pipe.write(line(1));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Files.exists(first) && readLines(first).size() == 1);
        pipeline.open("node", new LogSettings(false, second, 0, 0, 10, 1 << 16));
        pipe.write(line(2));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Files.exists(second) && readLines(second).size() == 1);
        assertEquals(List.of(text(1)), readLines(first));
        assertEquals(List.of(text(2)), readLines(second));
        pipe.closeWriter();
    }

    @Test
    void aReloadThatRemovesTheFileMidFloodStillWritesTheLinesReadBefore() throws Exception {
        try (FrozenDisk disk = new FrozenDisk(dir)) {
            // A frozen disk stands for a slow one: the sink thread blocks, lines wait in its spool
            disk.freeze();
            Path file = disk.mount.resolve("node.log");
            ProgramLog log = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
            TestPipe pipe = TestPipe.open();
            pipeline.attach(log, pipe.readFd, -1);
            writeLines(pipe, 0, 1000);
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 1000);
            writeLines(pipe, 1000, 2000); // queued behind them
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 2000);
            pipeline.open("node", new LogSettings(false, null, 0, 0, 10, 1 << 16)); // reload: no file any more

            disk.thaw();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(file) && Files.size(file) == 2000 * 100 || log.droppedByFile() > 0);
            assertEquals(0, log.droppedByFile());
            assertEquals(IntStream.range(0, 2000).mapToObj(FileSinkTest::text).toList(), readLines(file));
            pipe.closeWriter();
            pipeline.close(); // the file closed before the disk goes
        }
    }

    @Test
    void aFloodIsInTheFilesLineForLineAcrossRotations() throws Exception {
        Path file = dir.resolve("flood.log");
        int lines = 470 * 640; // 30 MB in 64 KB writes, far more than the file's spool: the reader waits for the disk
        try (AgentOutput quiet = new AgentOutput(LogMode.NONE, FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE), 1 << 16);
                LogPipeline flood = new LogPipeline(quiet, 1024)) {
            ProgramLog log = flood.open("node", new LogSettings(false, file, 1 << 20, 40, 10, 1 << 16));
            TestPipe pipe = TestPipe.open();
            flood.attach(log, pipe.readFd, -1);
            byte[] block = new byte[640 * 100];
            for (int first = 0; first < lines; first += 640) {
                for (int i = 0; i < 640; i++) {
                    System.arraycopy(line(first + i), 0, block, i * 100, 100);
                }
                pipe.write(block);
            }
            pipe.closeWriter();
            await().atMost(Duration.ofSeconds(60)).until(() -> log.lines() == lines);
            assertEquals(0, log.droppedByFile());
        }
        // Closed: everything is written. Oldest file first, every line once, in order
        List<String> got = new ArrayList<>();
        for (int i = 40; i >= 1; i--) {
            got.addAll(readLines(file.resolveSibling("flood.log." + i)));
        }
        got.addAll(readLines(file));
        assertEquals(lines, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(text(i), got.get(i));
        }
    }

    @Test
    void aFileMovedAwayOrRemovedWhileRunningLosesNoLine() throws IOException {
        // logrotate (create mode) renames the file under baton; a cleanup script removes it
        Path file = dir.resolve("node.log");
        Path moved = dir.resolve("node.log-20260101");
        ProgramLog log = pipeline.open("node", new LogSettings(false, file, 1000, 2, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        writeLines(pipe, 0, 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 5);
        Files.move(file, moved);
        writeLines(pipe, 5, 10);
        // from here on the lines go to a new file at the path, not into the renamed one
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 5);
        assertEquals(5, readLines(moved).size());
        Files.delete(file);
        writeLines(pipe, 10, 30);
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 30 && readLines(file).size() == 10);

        List<String> got = new ArrayList<>(readLines(moved));
        got.addAll(readLines(file.resolveSibling("node.log.1")));
        got.addAll(readLines(file));
        assertEquals(IntStream.range(0, 5).mapToObj(FileSinkTest::text).toList(), got.subList(0, 5));
        assertEquals(IntStream.range(10, 30).mapToObj(FileSinkTest::text).toList(), got.subList(5, got.size()),
                "lines 5-9 went to the removed file; every later line is in the files");
        assertEquals(0, log.droppedByFile());
    }

    @Test
    void aFileEmptiedByCopytruncateIsNotRotatedEarly() throws IOException {
        Path file = dir.resolve("node.log");
        ProgramLog log = pipeline.open("node", new LogSettings(false, file, 1000, 2, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        writeLines(pipe, 0, 8);
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 8);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(0); // logrotate's copytruncate, after its copy
        }
        writeLines(pipe, 8, 16);
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 16 && readLines(file).size() == 8);
        assertEquals(IntStream.range(8, 16).mapToObj(FileSinkTest::text).toList(), readLines(file));
        assertFalse(Files.exists(file.resolveSibling("node.log.1")), "rotated at 800 bytes, counted as 1600");
    }

    @Test
    void aLinkAnotherUserPlantsAtTheFileIsNeverWrittenThrough() throws Exception {
        assumeTrue(Os.isRoot(), "the rule of a root agent");
        Path file = dir.resolve("node.log");
        Path real = dir.resolve("real.log");
        Path elsewhere = dir.resolve("elsewhere");
        Files.createSymbolicLink(file, real); // root's own link, as a config may use: followed
        Files.createFile(elsewhere);
        ProgramLog log = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        writeLines(pipe, 0, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(real).size() == 1);

        Files.delete(file);
        Files.createSymbolicLink(file, elsewhere);
        assertEquals(0, new ProcessBuilder("chown", "-h", "65534", file.toString()).start().waitFor()); // nobody's link
        writeLines(pipe, 1, 3);
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> log.droppedByFile() == 2);
        assertEquals(0, Files.size(elsewhere));
        assertEquals(List.of(text(0)), readLines(real));
    }

    @Test
    void aLineLeftHalfWrittenDoesNotJoinTheNextOne() throws IOException {
        Path file = dir.resolve("half.log");
        Files.writeString(file, "whole\nhalf a li"); // what a write cut short by a full disk leaves
        ProgramLog log = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        pipe.write("next\n".getBytes(ISO_8859_1));
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(file).endsWith("next\n"));
        assertEquals("whole\nhalf a li\nnext\n", Files.readString(file));
    }

    @Test
    void linesTheDiskRefusedCountAsDroppedByTheFile() {
        // /dev/full answers every write with ENOSPC, as a full disk does
        ProgramLog log = pipeline.open("node", new LogSettings(false, Path.of("/dev/full"), 0, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(log, pipe.readFd, -1);
        pipe.write("a\nb\nc\n".getBytes(ISO_8859_1));
        pipe.closeWriter();
        await().atMost(Duration.ofSeconds(30)).until(() -> log.droppedByFile() == 3);
    }

    @Test
    void linesAFullDiskRefusedAreSaidInTheFileWhenItTakesLinesAgain() throws Exception {
        Path disk = Files.createDirectory(dir.resolve("disk"));
        assumeTrue(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString())
                .redirectErrorStream(true).start().waitFor() == 0, "needs root with CAP_SYS_ADMIN to mount a tmpfs");
        try {
            Path filler = disk.resolve("filler");
            try (FileChannel c = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (true) {
                    c.write(ByteBuffer.allocate(4096)); // whole pages: the disk is full to the last byte
                }
            } catch (IOException full) {
                // No space left on device
            }
            Path file = disk.resolve("node.log");
            ProgramLog log = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
            TestPipe pipe = TestPipe.open();
            pipeline.attach(log, pipe.readFd, -1);
            writeLines(pipe, 0, 10);
            await().atMost(Duration.ofSeconds(30)).until(() -> log.droppedByFile() == 10);

            Files.delete(filler); // room again
            writeLines(pipe, 10, 20);
            pipe.closeWriter();
            await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 11);
            List<String> got = readLines(file);
            assertTrue(got.get(0).matches("\\[baton] 10 lines dropped over [0-9.]+ s: the log file could not be written "
                    + "\\(No space left on device\\)"), got.get(0));
            assertEquals(IntStream.range(10, 20).mapToObj(FileSinkTest::text).toList(), got.subList(1, 11));
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor();
        }
    }

    @Test
    void eachProgramsLogFileProblemIsInTheAgentsLogAndSoIsItsEnd() throws Exception {
        try (LogCapture agentLog = LogCapture.install()) {
            // One program's file keeps failing (a full disk) ...
            ProgramLog full = pipeline.open("full", new LogSettings(false, Path.of("/dev/full"), 0, 0, 10, 1 << 16));
            TestPipe fullPipe = TestPipe.open();
            pipeline.attach(full, fullPipe.readFd, -1);
            writeLines(fullPipe, 0, 3);
            await().atMost(Duration.ofSeconds(30)).until(() -> full.droppedByFile() == 3);
            assertTrue(agentLog.saw(Level.WARN, "cannot write the log file of full"));

            // ... and then another's cannot be written for a reason of its own: it is said too
            Path notADirectory = Files.writeString(dir.resolve("logs"), "");
            Path file = notADirectory.resolve("node.log");
            ProgramLog node = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
            TestPipe pipe = TestPipe.open();
            pipeline.attach(node, pipe.readFd, -1);
            writeLines(pipe, 0, 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> node.droppedByFile() == 2);
            writeLines(fullPipe, 3, 4);
            await().atMost(Duration.ofSeconds(30)).until(() -> agentLog.saw(Level.WARN, "cannot write the log file of node"));

            // Once it can be written, the agent's log says so, with what was lost
            Files.delete(notADirectory);
            writeLines(pipe, 2, 3);
            await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 2);
            assertTrue(agentLog.saw(Level.INFO, "the log file of node is written again; 2 lines dropped over"), agentLog.messages(Level.INFO).toString());
            fullPipe.closeWriter();
            pipe.closeWriter();
        }
    }

    @Test
    void aStalledLogFileDropsLinesWithACountOnceTheStallTimeoutPassed() throws Exception {
        try (FrozenDisk disk = new FrozenDisk(dir)) {
            disk.freeze(); // the sink thread blocks creating the file
            Path file = disk.mount.resolve("node.log");
            ProgramLog log = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
            TestPipe pipe = TestPipe.open();
            pipeline.attach(log, pipe.readFd, -1);
            int total = 20_000; // 2 MB: more than the file's buffer
            for (int i = 0; i < total; i++) {
                pipe.write(line(i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == total);
            long dropped = log.droppedByFile();
            assertTrue(dropped > 0 && dropped < total, "dropped " + dropped);
            pipe.closeWriter();

            // The disk comes back: the kept lines, then one notice of the drops
            disk.thaw();
            Pattern notice = Pattern.compile("\\[baton] " + dropped + " lines dropped over [0-9.]+ s: the log file could not keep up");
            await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).stream().anyMatch(l -> notice.matcher(l).matches()));
            List<String> got = readLines(file);
            assertEquals(total - dropped, got.size() - 1);
            assertTrue(notice.matcher(got.get(got.size() - 1)).matches(), got.get(got.size() - 1));
            for (int i = 0; i < got.size() - 1; i++) {
                assertEquals(text(i), got.get(i)); // the first lines were kept, the later ones dropped
            }
            pipeline.close(); // the file closed before the disk goes
        }
    }

    @Test
    void aFifoAtTheFileIsRefusedAndHoldsNoOtherProgramsFile() throws Exception {
        // Opening a FIFO waits for a reader, writing it for the reader to read: on the one thread that
        // writes every program's file, a FIFO nobody reads held every other log file, for good
        Path fifo = dir.resolve("shipper.fifo");
        assertTrue(FrozenDisk.run("mkfifo", fifo.toString()));
        ProgramLog shipped = pipeline.open("shipped", new LogSettings(false, fifo, 0, 0, 10, 1 << 16));
        TestPipe shippedPipe = TestPipe.open();
        pipeline.attach(shipped, shippedPipe.readFd, -1);
        shippedPipe.write("to the fifo\n".getBytes(ISO_8859_1));
        await().atMost(Duration.ofSeconds(30)).until(() -> shipped.droppedByFile() == 1);

        Path file = dir.resolve("node.log");
        ProgramLog node = pipeline.open("node", new LogSettings(false, file, 0, 0, 10, 1 << 16));
        TestPipe pipe = TestPipe.open();
        pipeline.attach(node, pipe.readFd, -1);
        writeLines(pipe, 0, 10);
        shippedPipe.write("again\n".getBytes(ISO_8859_1));
        await().atMost(Duration.ofSeconds(30)).until(() -> readLines(file).size() == 10);
        assertEquals(IntStream.range(0, 10).mapToObj(FileSinkTest::text).toList(), readLines(file));
        await().atMost(Duration.ofSeconds(30)).until(() -> shipped.droppedByFile() == 2);
        assertEquals(0, node.droppedByFile());
        shippedPipe.closeWriter();
        pipe.closeWriter();
    }

    private static void writeLines(TestPipe pipe, int from, int to) {
        for (int i = from; i < to; i++) {
            pipe.write(line(i));
        }
    }

    private static byte[] line(int i) {
        return (text(i) + "\n").getBytes(ISO_8859_1);
    }

    /** 99 characters: "line 0042 xxxx". */
    private static String text(int i) {
        String head = String.format("line %04d ", i);
        return head + "x".repeat(99 - head.length());
    }

    private static List<String> readLines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, ISO_8859_1) : List.of();
    }
}
