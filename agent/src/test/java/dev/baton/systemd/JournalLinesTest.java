package dev.baton.systemd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.config.LogMode;
import dev.baton.config.LogSettings;
import dev.baton.logs.AgentOutput;
import dev.baton.logs.LogPipeline;
import dev.baton.logs.ProgramLog;

class JournalLinesTest {
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

    @TempDir
    Path dir;

    @Test
    void linesAStalledJournaldDropsAreCountedOnTheProgramsLog() throws Exception {
        String path = dir.resolve("stalled.sock").toString();
        int lines = 20_000;
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path); // nobody reads it: journald stalled
             JournalSink sink = JournalSink.open(Path.of(path), Duration.ofMillis(200));
             AgentOutput out = new AgentOutput(LogMode.NONE, Channels.newChannel(OutputStream.nullOutputStream()), 1 << 16);
             LogPipeline pipeline = new LogPipeline(out, 4096)) {
            ProgramLog log = pipeline.open("engine", LogSettings.DEFAULT);
            ProgramLog other = pipeline.open("quiet", LogSettings.DEFAULT);
            pipeline.addListener(new JournalLines(sink, pipeline::find));
            int[] fds = new int[2];
            assertEquals(0, POSIX.pipe(fds));
            pipeline.attach(log, fds[0], -1);
            try (OutputStream w = new BufferedOutputStream(new FileOutputStream("/proc/self/fd/" + fds[1]))) {
                POSIX.close(fds[1]); // the stream has its own fd
                for (int i = 0; i < lines; i++) {
                    w.write(("{\"level\":\"INFO\",\"fields\":{\"message\":\"line " + i + "\"}}\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> log.lines() == lines);
            assertTrue(sink.dropped() > 0, "journald never read: " + sink.sent() + " sent");
            assertEquals(lines, sink.sent() + sink.dropped());
            assertEquals(sink.dropped(), log.droppedByJournal(), "every dropped line counted on its program");
            assertEquals(0, other.droppedByJournal());
            assertEquals(0, log.droppedByStdout(), "stdout (mode none) drops nothing");
        }
    }

    @Test
    void linesJournaldRefusesAreCountedOnTheProgramsLog() throws Exception {
        Path path = dir.resolve("journal.sock");
        UnixDatagramSocket server = UnixDatagramSocket.bind(path.toString());
        try (JournalSink sink = JournalSink.open(path, Duration.ofMillis(200));
             AgentOutput out = new AgentOutput(LogMode.NONE, Channels.newChannel(OutputStream.nullOutputStream()), 1 << 16);
             LogPipeline pipeline = new LogPipeline(out, 4096)) {
            server.close(); // journald went away after the agent started: its socket is refused
            ProgramLog log = pipeline.open("engine", LogSettings.DEFAULT);
            pipeline.addListener(new JournalLines(sink, pipeline::find));
            int[] fds = new int[2];
            assertEquals(0, POSIX.pipe(fds));
            pipeline.attach(log, fds[0], -1);
            try (OutputStream w = new FileOutputStream("/proc/self/fd/" + fds[1])) {
                POSIX.close(fds[1]);
                w.write("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines() == 3);
            assertEquals(3, sink.failed(), sink.lastError());
            assertEquals(3, log.droppedByJournal(), "lines journald never got are dropped by the journal sink");
        }
    }
}
