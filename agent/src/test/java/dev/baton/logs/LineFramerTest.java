package dev.baton.logs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LineFramerTest {
    private static final int MAX = 8;
    private static final String CUT = " [baton: line cut at 8 bytes]";

    /** Input (ISO-8859-1, so every char is one byte), then the lines as shown (marker included). */
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("plain lines", "a\nbc\n", List.of("a", "bc")),
                Arguments.of("CRLF", "a\r\nbc\r\n", List.of("a", "bc")),
                Arguments.of("only one CR dropped", "a\r\r\n", List.of("a\r")),
                Arguments.of("CR inside a line kept", "a\rb\n", List.of("a\rb")),
                Arguments.of("empty lines", "\n\r\n\n", List.of("", "", "")),
                Arguments.of("exactly the limit", "12345678\n", List.of("12345678")),
                Arguments.of("the limit plus CRLF", "12345678\r\n", List.of("12345678")),
                Arguments.of("one byte over the limit", "123456789\nx\n", List.of("12345678" + CUT, "x")),
                Arguments.of("long line, rest discarded", "123456789abcdefghij\nnext\n", List.of("12345678" + CUT, "next")),
                Arguments.of("long line at EOF", "123456789abcdefghij", List.of("12345678" + CUT)),
                Arguments.of("binary bytes", "\u0000\u00ff\u00fe\n", List.of("\u0000\u00ff\u00fe")),
                Arguments.of("invalid UTF-8", "\u00c3\u0028\u00e2\u0082\n", List.of("\u00c3\u0028\u00e2\u0082")),
                Arguments.of("no newline at EOF", "a\ntail", List.of("a", "tail")),
                Arguments.of("CR at EOF dropped", "abc\r", List.of("abc")),
                Arguments.of("a CR past the limit ends nothing", "12345678\rXYZ\nnext\n", List.of("12345678" + CUT, "next")),
                Arguments.of("a CR past the limit, at EOF", "12345678\rXYZ", List.of("12345678" + CUT)),
                Arguments.of("a cut keeps a UTF-8 character whole", "1234567\u00c3\u00a99\n", List.of("1234567" + CUT)),
                Arguments.of("a cut keeps a 4-byte character whole", "123456\u00f0\u009f\u0098\u0080\n", List.of("123456" + CUT)),
                Arguments.of("a cut in bytes that are not UTF-8", "1234567\u0080\u0080\u0080\n", List.of("1234567\u0080" + CUT)),
                Arguments.of("nothing", "", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void framesTheSameWhateverTheReadSizes(String name, String input, List<String> expected) {
        byte[] bytes = input.getBytes(ISO_8859_1);
        for (int chunk = 1; chunk <= bytes.length + 1; chunk++) {
            assertEquals(expected, frame(bytes, chunk), name + ", reads of " + chunk + " bytes");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void findingControlCharactersFramesTheSameAndCleanMeansNone(String name, String input, List<String> expected) {
        byte[] bytes = input.getBytes(ISO_8859_1);
        for (int chunk = 1; chunk <= bytes.length + 1; chunk++) {
            assertEquals(expected, frame(bytes, chunk, true), name + ", reads of " + chunk + " bytes");
        }
    }

    @Test
    void aLineBegunByOneFramerIsEndedByTheNextOneOfThePipe() {
        // An exec in place: the old agent's framer stops mid-line, the new agent's takes up from there
        List<String> got = new ArrayList<>();
        LineFramer.Lines out = (buf, off, len, shownLen) -> got.add(new String(buf, off, shownLen, ISO_8859_1));
        LineFramer before = new LineFramer(MAX, false);
        byte[] first = "a\nbeg".getBytes(ISO_8859_1);
        before.feed(first, 0, first.length, out);
        PendingLine pending = before.pending();
        assertEquals("beg", new String(pending.bytes(), ISO_8859_1));
        LineFramer after = new LineFramer(MAX, false);
        after.resumeWith(pending, out);
        byte[] rest = "un\nb\n".getBytes(ISO_8859_1);
        after.feed(rest, 0, rest.length, out);
        assertEquals(List.of("a", "begun", "b"), got);
        assertEquals(null, after.pending());

        // In the middle of skipping a cut line's rest: the next framer skips on
        got.clear();
        LineFramer cutting = new LineFramer(MAX, false);
        byte[] longLine = "123456789abcdef".getBytes(ISO_8859_1);
        cutting.feed(longLine, 0, longLine.length, out);
        LineFramer next = new LineFramer(MAX, false);
        next.resumeWith(cutting.pending(), out);
        byte[] end = "ghi\nnext\n".getBytes(ISO_8859_1);
        next.feed(end, 0, end.length, out);
        assertEquals(List.of("12345678" + CUT, "next"), got);

        // A new version with a smaller limit cuts what it is handed
        got.clear();
        LineFramer small = new LineFramer(4, false);
        small.resumeWith(new PendingLine("abcdefgh".getBytes(ISO_8859_1), false), out);
        byte[] tail = "ij\nk\n".getBytes(ISO_8859_1);
        small.feed(tail, 0, tail.length, out);
        assertEquals(List.of("abcd [baton: line cut at 4 bytes]", "k"), got);
    }

    @Test
    void aReceiverThatThrowsDoesNotGetTheSameCarriedLineAgain() {
        LineFramer framer = new LineFramer(MAX, false);
        List<String> got = new ArrayList<>();
        boolean[] fail = {true};
        LineFramer.Lines out = (buf, off, len, shownLen) -> {
            if (fail[0]) {
                fail[0] = false;
                throw new OutOfMemoryError("a receiver out of heap");
            }
            got.add(new String(buf, off, shownLen, ISO_8859_1));
        };
        byte[] first = "123456789abc".getBytes(ISO_8859_1); // carried, then cut
        try {
            framer.feed(first, 0, first.length, out);
        } catch (OutOfMemoryError expected) {
            // the reader logs it and reads on
        }
        byte[] next = "def\nnext\n".getBytes(ISO_8859_1);
        framer.feed(next, 0, next.length, out);
        assertEquals(List.of("next"), got);
    }

    @Test
    void aLineInOneReadIsCleanUnlessItHasAControlCharacterOtherThanTab() {
        LineFramer framer = new LineFramer(MAX, true);
        Map<String, Boolean> clean = new LinkedHashMap<>();
        byte[] read = ("a\tb\r\n" + "x\u001by\n" + "12345678\n" + "c\rd\n" + "123456789\n" + "\u00e9\u00ff\n" + "x\u0000\n")
                .getBytes(ISO_8859_1);
        framer.feed(read, 0, read.length, new LineFramer.Lines() {
                    @Override
                    public void line(byte[] buf, int off, int len, int shownLen) {
                        throw new AssertionError("the framer says whether a line is clean");
                    }

                    @Override
                    public void line(byte[] buf, int off, int len, int shownLen, boolean isClean) {
                        clean.put(new String(buf, off, shownLen, ISO_8859_1), isClean);
                    }
                });
        Map<String, Boolean> expected = new LinkedHashMap<>();
        expected.put("a\tb", true);
        expected.put("x\u001by", false);
        expected.put("12345678", true);
        expected.put("c\rd", false);
        expected.put("12345678" + CUT, true);
        expected.put("\u00e9\u00ff", true);
        expected.put("x\u0000", false);
        assertEquals(expected, clean);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void listenersGetTheLineWithoutTheMarker(String name, String input, List<String> expected) {
        LineFramer framer = new LineFramer(MAX);
        List<String> contents = new ArrayList<>();
        LineFramer.Lines out = (buf, off, len, shownLen) -> contents.add(new String(buf, off, len, ISO_8859_1));
        byte[] bytes = input.getBytes(ISO_8859_1);
        framer.feed(bytes, 0, bytes.length, out);
        framer.finish(out);
        assertEquals(expected.stream().map(s -> s.replace(CUT, "")).toList(), contents);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void runsOfLinesFrameTheSameAsLineByLine(String name, String input, List<String> expected) {
        byte[] bytes = input.getBytes(ISO_8859_1);
        for (boolean findControls : new boolean[] {false, true}) {
            for (int chunk = 1; chunk <= bytes.length + 1; chunk++) {
                assertEquals(expected, frameInRuns(bytes, chunk, findControls, new int[1]),
                        name + ", reads of " + chunk + " bytes, finding controls: " + findControls);
            }
        }
    }

    @Test
    void aReadOfManyLinesComesInRunsOfAtMostRunLinesInOrder() {
        StringBuilder in = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3 * LineFramer.RUN_LINES + 7; i++) {
            String line = i == 400 ? "cr" : Integer.toString(i, 36); // one CRLF line in the middle
            in.append(line).append(i == 400 ? "\r\n" : "\n");
            expected.add(line);
        }
        byte[] bytes = in.toString().getBytes(ISO_8859_1);
        int[] runs = new int[1];
        assertEquals(expected, frameInRuns(bytes, bytes.length, false, runs));
        assertTrue(runs[0] >= 2, "the lines before the CRLF one came in runs: " + runs[0]);
    }

    @Test
    void findingControlsALineWithOneGoesLineByLineAndTheCleanOnesAroundItInRuns() {
        StringBuilder in = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 2 * LineFramer.RUN_LINES + 5; i++) {
            String line = i == 300 ? "esc\u001b[2J" : i == 301 ? "tab\tok" : Integer.toString(i, 36);
            in.append(line).append('\n');
            expected.add(line);
        }
        byte[] bytes = in.toString().getBytes(ISO_8859_1);
        int[] runs = new int[1];
        assertEquals(expected, frameInRuns(bytes, bytes.length, true, runs));
        assertEquals(3, runs[0], "256 lines, the 44 before the escape, the 216 after it (a TAB is no control)");
    }

    /** Frames with a receiver that takes runs of lines ({@link LineFramer.Lines#lines}) and checks each run. */
    private static List<String> frameInRuns(byte[] bytes, int chunk, boolean findControls, int[] runs) {
        LineFramer framer = new LineFramer(MAX, findControls);
        List<String> lines = new ArrayList<>();
        LineFramer.Lines out = new LineFramer.Lines() {
            @Override
            public void line(byte[] buf, int off, int len, int shownLen) {
                lines.add(new String(buf, off, shownLen, ISO_8859_1));
            }

            @Override
            public void lines(byte[] buf, int off, int[] ends, int count, boolean clean) {
                assertTrue(count >= 1 && count <= LineFramer.RUN_LINES, "run of " + count);
                assertEquals(findControls, clean, "runs are of clean lines when (and only when) controls are found");
                runs[0]++;
                for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
                    assertEquals('\n', buf[ends[i]], "each line ends at its newline");
                    assertTrue(ends[i] == start || buf[ends[i] - 1] != '\r', "a CRLF line goes line by line");
                    String shown = new String(buf, start, ends[i] - start, ISO_8859_1);
                    if (clean) {
                        assertTrue(shown.chars().noneMatch(c -> c < 0x20 && c != '\t'), "said clean: " + shown);
                    }
                    lines.add(shown);
                }
            }
        };
        for (int pos = 0; pos < bytes.length; pos += chunk) {
            int n = Math.min(chunk, bytes.length - pos);
            framer.feed(Arrays.copyOfRange(bytes, pos, pos + n), 0, n, out);
        }
        framer.finish(out);
        return lines;
    }

    private static List<String> frame(byte[] bytes, int chunk) {
        return frame(bytes, chunk, false);
    }

    private static List<String> frame(byte[] bytes, int chunk, boolean findControls) {
        LineFramer framer = new LineFramer(MAX, findControls);
        List<String> lines = new ArrayList<>();
        LineFramer.Lines out = new LineFramer.Lines() {
            @Override
            public void line(byte[] buf, int off, int len, int shownLen) {
                line(buf, off, len, shownLen, false);
            }

            @Override
            public void line(byte[] buf, int off, int len, int shownLen, boolean clean) {
                String shown = new String(buf, off, shownLen, ISO_8859_1);
                if (clean) {
                    assertTrue(findControls, "clean only when asked");
                    assertTrue(shown.chars().noneMatch(c -> c < 0x20 && c != '\t'), "said clean: " + shown);
                }
                lines.add(shown);
            }
        };
        for (int pos = 0; pos < bytes.length; pos += chunk) {
            // a fresh array per read, at an offset, like a reused read buffer would not guarantee
            byte[] read = new byte[chunk + 3];
            int n = Math.min(chunk, bytes.length - pos);
            System.arraycopy(bytes, pos, read, 3, n);
            Arrays.fill(read, 0, 3, (byte) '\n');
            framer.feed(read, 3, n, out);
        }
        framer.finish(out);
        return lines;
    }
}
