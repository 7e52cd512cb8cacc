package dev.baton.systemd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jnr.posix.FileStat;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSinkTest {
    @TempDir
    Path dir;

    /** Parses one native-protocol datagram the way journald does. */
    static Map<String, byte[]> parse(byte[] d) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < d.length) {
            int nl = i;
            while (d[nl] != '\n' && d[nl] != '=') {
                nl++;
            }
            String name = new String(d, i, nl - i, StandardCharsets.US_ASCII);
            if (d[nl] == '=') {
                int end = nl + 1;
                while (d[end] != '\n') {
                    end++;
                }
                fields.put(name, java.util.Arrays.copyOfRange(d, nl + 1, end));
                i = end + 1;
            } else {
                long len = 0;
                for (int k = 0; k < 8; k++) {
                    len |= (d[nl + 1 + k] & 0xffL) << (8 * k);
                }
                int start = nl + 9;
                fields.put(name, java.util.Arrays.copyOfRange(d, start, start + (int) len));
                assertEquals('\n', d[start + (int) len], "binary field ends with a newline");
                i = start + (int) len + 1;
            }
        }
        return fields;
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private Map<String, byte[]> roundTrip(String program, String line, boolean stderr) throws Exception {
        String path = dir.resolve("journal.sock").toString();
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             JournalSink sink = JournalSink.open(Path.of(path))) {
            byte[] b = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
            sink.send(program, b, 2, b.length - 4, stderr);
            byte[] d = server.receive(256 * 1024, 2000);
            assertNotNull(d, "no datagram");
            assertEquals(1, sink.sent());
            assertNull(server.receive(1024), "one datagram per line");
            return parse(d);
        }
    }

    @Test
    void jsonLineGetsIdentifierAndPriorityFromItsLevel() throws Exception {
        String line = "{\"timestamp\":\"2023-12-11T16:26:38.381549Z\",\"level\":\"WARN\",\"fields\":{\"message\":\"x\"}}";
        Map<String, byte[]> f = roundTrip("engine-1.1", line + "\n", false);
        assertEquals(line, s(f.get("MESSAGE")), "trailing newline removed, line intact");
        assertEquals("engine-1.1", s(f.get("SYSLOG_IDENTIFIER")));
        assertEquals("engine-1.1", s(f.get("BATON_PROGRAM")));
        assertEquals("4", s(f.get("PRIORITY")));
        assertEquals("stdout", s(f.get("BATON_STREAM")));
    }

    /**
     * {@code journalctl -t NAME} and {@code journalctl BATON_PROGRAM=NAME} (docs/journald.md) take the
     * program's name exactly as the config writes it: dots, case, underscores, nothing mapped.
     */
    @Test
    void identifierIsTheProgramNameAsTheConfigWritesIt() throws Exception {
        Path config = dir.resolve("baton.toml");
        java.nio.file.Files.writeString(config, "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n\n"
                + "[programs.\"chainflip-engine1.1\"]\ncommand = [\"/bin/true\"]\n\n"
                + "[programs.\"Validator_2.0-rc1\"]\ncommand = [\"/bin/true\"]\n");
        java.util.Set<String> names = dev.baton.config.ConfigLoader.load(config).programs().keySet();
        assertEquals(java.util.Set.of("chainflip-engine1.1", "Validator_2.0-rc1"), names);
        for (String name : names) {
            Map<String, byte[]> f = roundTrip(name, "a line\n", false);
            assertEquals(name, s(f.get("SYSLOG_IDENTIFIER")));
            assertEquals(name, s(f.get("BATON_PROGRAM")));
            java.nio.file.Files.delete(dir.resolve("journal.sock")); // the next round trip binds it again
        }
    }

    @Test
    void priorityMapping() {
        String[][] cases = {
            {"{\"level\":\"ERROR\",\"m\":1}", "3"}, {"{\"level\":\"WARN\"}", "4"}, {"{\"level\":\"warning\"}", "4"},
            {"{\"level\":\"INFO\"}", "6"}, {"{\"level\":\"DEBUG\"}", "7"}, {"{\"level\":\"TRACE\"}", "7"},
            {"{\"level\":\"fatal\"}", "2"}, {"{\"level\":\"notice\"}", "5"},
            {"  { \"ts\": 1, \"level\" : \"error\" }", "3"},
            {"{\"level\":\"CHATTY\"}", "6"}, {"{\"level\":3}", "6"}, {"plain line with \"level\":\"ERROR\"", "6"},
            {"not json", "6"}, {"", "6"},
        };
        for (String[] c : cases) {
            byte[] b = c[0].getBytes(StandardCharsets.UTF_8);
            int p = JournalSink.jsonLevelPriority(b, 0, b.length);
            assertEquals(c[1], String.valueOf(p < 0 ? JournalSink.PRIORITY_PLAIN : p), c[0]);
        }
    }

    @Test
    void plainStderrLineIsInfoAndMarkedStderr() throws Exception {
        Map<String, byte[]> f = roundTrip("web", "listening on :8080\r\n", true);
        assertEquals("listening on :8080", s(f.get("MESSAGE")));
        assertEquals("6", s(f.get("PRIORITY")));
        assertEquals("stderr", s(f.get("BATON_STREAM")));
    }

    @Test
    void syslogPrefixSetsPriorityAndIsRemoved() throws Exception {
        Map<String, byte[]> f = roundTrip("web", "<3>disk full", false);
        assertEquals("disk full", s(f.get("MESSAGE")));
        assertEquals("3", s(f.get("PRIORITY")));
    }

    @Test
    void valueWithNewlineUsesTheBinarySafeForm() throws Exception {
        byte[] msg = "panic:\n  at main.rs:1\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        byte[] d = JournalSink.encode("e", 3, true, msg, 0, msg.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("MESSAGE\n".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {(byte) msg.length, 0, 0, 0, 0, 0, 0, 0});
        expected.writeBytes(msg);
        expected.writeBytes("\nSYSLOG_IDENTIFIER=e\nBATON_PROGRAM=e\nPRIORITY=3\nBATON_STREAM=stderr\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected.toByteArray(), d);
        assertArrayEquals(msg, parse(d).get("MESSAGE"));
    }

    @Test
    void everyLineArrivesInOrderWhenJournaldPausesShorterThanTheStallTimeout() throws Exception {
        String path = dir.resolve("busy.sock").toString();
        int lines = 20_000;
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             JournalSink sink = JournalSink.open(Path.of(path), java.time.Duration.ofSeconds(30))) {
            java.util.List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Thread journald = new Thread(() -> {
                try {
                    Thread.sleep(500); // journald busy for half a second: its queue fills meanwhile
                    while (got.size() < lines) {
                        byte[] d = server.receive(64 * 1024, 5_000);
                        if (d == null) {
                            return;
                        }
                        got.add(s(parse(d).get("MESSAGE")));
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            journald.start();
            for (int i = 0; i < lines; i++) {
                byte[] b = ("line " + i + " 0123456789012345678901234567890123456789").getBytes(StandardCharsets.UTF_8);
                sink.send("e", b, 0, b.length, false);
            }
            journald.join(60_000);
            assertEquals(0, sink.dropped(), "nothing dropped while journald takes lines");
            assertEquals(lines, sink.sent());
            assertEquals(lines, got.size());
            for (int i = 0; i < lines; i++) {
                assertTrue(got.get(i).startsWith("line " + i + " "), "in order at " + i + ": " + got.get(i));
            }
        }
    }

    @Test
    void dropsOnlyOnceJournaldStalledAndSaysHowManyWhenItTakesLinesAgain() throws Exception {
        String path = dir.resolve("stalled.sock").toString();
        byte[] line = "{\"level\":\"INFO\",\"fields\":{\"message\":\"0123456789012345678901234567890123456789\"}}"
                .getBytes(StandardCharsets.UTF_8);
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             JournalSink sink = JournalSink.open(Path.of(path), java.time.Duration.ofMillis(300))) {
            for (int i = 0; i < 20_000; i++) {
                sink.send("e", line, 0, line.length, false);
            }
            assertTrue(sink.dropped() > 0, "a queue nobody reads for good: " + sink.sent() + " sent");
            assertEquals(20_000, sink.sent() + sink.dropped());
            assertEquals(0, sink.failed());
            while (server.receive(64 * 1024) != null) {
                // journald catches up with what it had queued
            }
            byte[] after = "after the stall".getBytes(StandardCharsets.UTF_8);
            sink.send("e", after, 0, after.length, false);
            String notice = s(parse(server.receive(64 * 1024, 5_000)).get("MESSAGE"));
            assertTrue(notice.startsWith("[baton] " + sink.dropped() + " lines of e dropped over "), notice);
            assertEquals("after the stall", s(parse(server.receive(64 * 1024, 5_000)).get("MESSAGE")));
        }
    }

    @Test
    void aLineLongerThanOneDatagramCarriesIsCutToFitNotLost() throws Exception {
        // max_line_bytes goes up to 16 MiB; a datagram is bounded by the socket's send buffer
        String path = dir.resolve("journal.sock").toString();
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             JournalSink sink = JournalSink.open(Path.of(path))) {
            byte[] line = ("long " + "\u00e9".repeat(8 << 20)).getBytes(StandardCharsets.UTF_8); // 16 MiB
            assertTrue(sink.send("node", line, 0, line.length, false));
            byte[] d = server.receive(17 << 20, 10_000);
            assertNotNull(d, "no datagram: sent " + sink.sent() + " failed " + sink.failed() + " " + sink.lastError());
            assertEquals(1, sink.sent());
            assertEquals(0, sink.failed(), sink.lastError());
            String message = s(parse(d).get("MESSAGE"));
            assertTrue(message.startsWith("long \u00e9\u00e9") && message.endsWith("\u00e9 [baton: line cut for journald]"),
                    message.substring(0, 20) + " ... " + message.substring(message.length() - 60));
            assertTrue(message.length() < line.length, "cut");
            // the next line, short, goes whole
            byte[] next = "next".getBytes(StandardCharsets.UTF_8);
            assertTrue(sink.send("node", next, 0, next.length, false));
            assertEquals("next", s(parse(server.receive(1 << 16, 10_000)).get("MESSAGE")));
        }
    }

    @Test
    void aLongLineIsCutBeforeItIsEncoded() throws Exception {
        // max_line_bytes goes up to 16 MiB: on the reader thread, a line's datagram may take little more than
        // one datagram, not copies of the whole line (the heap budget counts lines, not journald's copies)
        String path = dir.resolve("journal.sock").toString();
        try (UnixDatagramSocket server = UnixDatagramSocket.bind(path);
             JournalSink sink = JournalSink.open(Path.of(path))) {
            byte[] line = "x".repeat(16 << 20).getBytes(StandardCharsets.US_ASCII);
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            assertTrue(sink.send("node", line, 0, line.length, false));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 8 * JournalSink.MAX_DATAGRAM, allocated + " bytes allocated to send a 16 MiB line");
            String message = s(parse(server.receive(1 << 20, 10_000)).get("MESSAGE"));
            assertTrue(message.endsWith("x [baton: line cut for journald]"), message.substring(message.length() - 60));
        }
    }

    @Test
    void doesNotOpenWhenNoJournaldTakesDatagrams() throws Exception {
        // The agent then keeps program lines on its stdout; a sink that opened sent them nowhere
        Path none = dir.resolve("none.sock");
        IOException missing = assertThrows(IOException.class, () -> JournalSink.open(none));
        assertTrue(missing.getMessage().contains(none.toString()) && missing.getMessage().contains("No such file"),
                missing.getMessage());
        Path left = dir.resolve("left.sock");
        UnixDatagramSocket.bind(left.toString()).close(); // journald gone, its socket file left behind
        IOException refused = assertThrows(IOException.class, () -> JournalSink.open(left));
        assertTrue(refused.getMessage().contains("Connection refused"), refused.getMessage());
    }

    @Test
    void countsFailuresWhenJournaldGoesAway() throws Exception {
        Path path = dir.resolve("journal.sock");
        UnixDatagramSocket server = UnixDatagramSocket.bind(path.toString());
        try (JournalSink sink = JournalSink.open(path)) {
            server.close();
            Files.delete(path);
            byte[] b = "x".getBytes(StandardCharsets.UTF_8);
            sink.send("e", b, 0, 1, false);
            assertEquals(1, sink.failed());
            assertTrue(sink.lastError().contains("No such file"), sink.lastError());
        }
    }

    @Test
    void stdoutIsJournalComparesDeviceAndInodeOfFd1() {
        FileStat st = POSIXFactory.getNativePOSIX().fstat(1);
        assertTrue(JournalSink.stdoutIsJournal(Long.toUnsignedString(st.dev()) + ":" + st.ino()));
        assertFalse(JournalSink.stdoutIsJournal(Long.toUnsignedString(st.dev()) + ":" + (st.ino() + 1)));
        assertFalse(JournalSink.stdoutIsJournal(null));
        assertFalse(JournalSink.stdoutIsJournal("garbage"));
        assertArrayEquals(new long[] {8, 12345}, JournalSink.parseJournalStream("8:12345"));
    }
}
