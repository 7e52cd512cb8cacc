package dev.baton.handover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static dev.baton.handover.ChainflipLines.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random bytes and mutated real lines: no exception, no event from a line whose message was destroyed. */
class LineRecognizerFuzzTest {

    private static final Profile PROFILE = ProfileReader.builtIn("chainflip").orElseThrow();
    private static final LineRecognizer CHAINFLIP = new LineRecognizer(PROFILE);
    private static final List<String> REAL = List.of(GUIDE_WAITING, waiting("1.0.3", "1.1.0"), noLongerCompatible("1.0.3", "1.1.0"),
            exitingAfterUpgrade("1.0.3", "1.1.0"), INITIALISED, SYNCING, starting("1.1.0"), EXITING_PANIC,
            RUNNER_RUNNING_OLD, RUNNER_SWITCHING, RUNNER_UPDATE_CFE, waitingWithBlockNumber("1.2.0", "1.1.0"));

    @Test
    void randomBytesAreNeverAnEvent() {
        Random rnd = new Random(20231211);
        byte[] buf = new byte[600];
        int recognised = 0;
        for (int i = 0; i < 200_000; i++) {
            int len = rnd.nextInt(buf.length);
            rnd.nextBytes(buf);
            if (i % 3 == 0) {
                buf[0] = '{'; // let some reach the JSON path
            }
            if (CHAINFLIP.recognize(buf, 0, len) != null) {
                recognised++;
            }
        }
        assertEquals(0, recognised);
    }

    @Test
    void mutatedRealLines() {
        Random rnd = new Random(7);
        int kept = 0;
        for (int i = 0; i < 150_000; i++) {
            String original = REAL.get(rnd.nextInt(REAL.size()));
            Recognition expected = CHAINFLIP.recognize(original);
            byte[] line = original.getBytes(StandardCharsets.UTF_8);
            Mutation m = mutate(line, rnd);
            Recognition r = CHAINFLIP.recognize(m.bytes, 0, m.bytes.length);
            String mutated = new String(m.bytes, StandardCharsets.UTF_8);
            if (!anyRuleLiteralsPresent(mutated)) {
                assertNull(r, () -> "event from a line without any rule's text: " + mutated);
            } else if (m.outside(expected.message(), original)) {
                // Only the envelope changed (JSON keys, timestamp, prefix): the meaning stays.
                assertTrue(r != null && r.kind() == expected.kind() && java.util.Objects.equals(r.own(), expected.own())
                        && java.util.Objects.equals(r.release(), expected.release()), () -> "lost: " + mutated + " -> " + r);
                kept++;
            }
        }
        assertTrue(kept > 1000, "the envelope-only branch must be exercised, was " + kept);
    }

    @Test
    void hostileShapesAreHandled() {
        String lit = " is incompatible with the current release ";
        List<String> lines = List.of(
                "{" + "\"a\":{".repeat(60_000) + lit,
                "[".repeat(65_000) + lit,
                "{\"fields\":{\"message\":\"" + "\\u00".repeat(10_000) + lit + "\"}}",
                "This version '" + "1.".repeat(30_000) + "'" + lit + "'1.0.0' at block",
                "This version '" + "'".repeat(30_000) + lit + "'".repeat(30_000) + " at block",
                "\u001b[" + "1;".repeat(30_000) + lit,
                "\u001b]" + lit + "\u001b",
                lit.repeat(1500));
        for (String line : lines) {
            CHAINFLIP.recognize(line); // must return (null or an event) without throwing
        }
    }

    /** Bytes that matter to JSON, versions and ANSI: mutations made of them hit the parsers' edges. */
    private static final String FRAGMENTS = " {}\"\\'.:0123456789abcxyz\r\u001b";

    private static boolean anyRuleLiteralsPresent(String text) {
        return PROFILE.rules().stream().anyMatch(rule -> rule.contains().stream().allMatch(text::contains));
    }

    private static final String MESSAGE_KEY = "\"message\":\"";

    private record Mutation(byte[] bytes, int from, int to) {
        /**
         * True when the changed range [from, to) of the original lies outside the message text, one byte
         * away from it at least (a stray ESC right before the message rightly swallows its first letter).
         */
        boolean outside(String message, String original) {
            byte[] o = original.getBytes(StandardCharsets.UTF_8);
            byte[] msg = message.getBytes(StandardCharsets.UTF_8);
            int at = indexOf(o, msg);
            // A JSON message is matched from just after its key: text slipped in between is a quote
            int start = original.startsWith("{") ? at - MESSAGE_KEY.length() : at;
            return at >= 0 && (to < start || from > at + msg.length);
        }
    }

    /** One random edit: overwrite, insert or delete a few bytes. Records the original range touched. */
    private static Mutation mutate(byte[] line, Random rnd) {
        int at = rnd.nextInt(line.length);
        int n = 1 + rnd.nextInt(4);
        byte[] noise = new byte[n];
        rnd.nextBytes(noise);
        if (rnd.nextBoolean()) {
            for (int k = 0; k < n; k++) {
                noise[k] = (byte) FRAGMENTS.charAt(rnd.nextInt(FRAGMENTS.length()));
            }
        }
        int end = Math.min(line.length, at + n);
        return switch (rnd.nextInt(3)) {
            case 0 -> { // overwrite
                byte[] b = line.clone();
                System.arraycopy(noise, 0, b, at, end - at);
                yield new Mutation(b, at, end);
            }
            case 1 -> { // insert
                byte[] b = new byte[line.length + n];
                System.arraycopy(line, 0, b, 0, at);
                System.arraycopy(noise, 0, b, at, n);
                System.arraycopy(line, at, b, at + n, line.length - at);
                yield new Mutation(b, at, at);
            }
            default -> { // delete
                byte[] b = new byte[line.length - (end - at)];
                System.arraycopy(line, 0, b, 0, at);
                System.arraycopy(line, end, b, at, line.length - end);
                yield new Mutation(b, at, end);
            }
        };
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
