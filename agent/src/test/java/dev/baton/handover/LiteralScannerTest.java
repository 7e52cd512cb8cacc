package dev.baton.handover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The skipping scan must agree with a naive search on every input. */
class LiteralScannerTest {

    private static long naive(List<byte[]> needles, long[] bits, byte[] text) {
        long found = 0;
        for (int n = 0; n < needles.size(); n++) {
            byte[] p = needles.get(n);
            outer:
            for (int s = 0; s + p.length <= text.length; s++) {
                for (int k = 0; k < p.length; k++) {
                    if (text[s + k] != p[k]) {
                        continue outer;
                    }
                }
                found |= bits[n];
                break;
            }
        }
        return found;
    }

    @Test
    void agreesWithNaiveSearchOnRandomTextsAndNeedles() {
        Random rnd = new Random(42);
        byte[] alphabet = "abcab c".getBytes(StandardCharsets.US_ASCII); // small alphabet: many near-misses
        for (int round = 0; round < 3000; round++) {
            int count = 1 + rnd.nextInt(6);
            List<byte[]> needles = new ArrayList<>();
            long[] bits = new long[count];
            for (int n = 0; n < count; n++) {
                needles.add(randomBytes(rnd, alphabet, 1 + rnd.nextInt(round % 3 == 0 ? 2 : 8)));
                bits[n] = 1L << rnd.nextInt(4); // several needles may share a bit
            }
            LiteralScanner scanner = new LiteralScanner(needles, bits);
            for (int t = 0; t < 10; t++) {
                byte[] text = randomBytes(rnd, alphabet, rnd.nextInt(60));
                int off = text.length == 0 ? 0 : rnd.nextInt(text.length + 1);
                int len = text.length - off;
                byte[] slice = java.util.Arrays.copyOfRange(text, off, off + len);
                assertEquals(naive(needles, bits, slice), scanner.scan(text, off, len),
                        () -> "text=" + new String(slice, StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void findsNeedlesContainingAnyByteValue() {
        Random rnd = new Random(1);
        for (int round = 0; round < 500; round++) {
            List<byte[]> needles = List.of(randomAnyBytes(rnd, 3 + rnd.nextInt(5)), randomAnyBytes(rnd, 3 + rnd.nextInt(5)));
            long[] bits = {1, 2};
            LiteralScanner scanner = new LiteralScanner(needles, bits);
            byte[] text = randomAnyBytes(rnd, 200);
            byte[] needle = needles.get(rnd.nextInt(2));
            System.arraycopy(needle, 0, text, rnd.nextInt(text.length - needle.length), needle.length);
            assertEquals(naive(needles, bits, text), scanner.scan(text, 0, text.length));
        }
    }

    private static byte[] randomBytes(Random rnd, byte[] alphabet, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = alphabet[rnd.nextInt(alphabet.length)];
        }
        return b;
    }

    private static byte[] randomAnyBytes(Random rnd, int len) {
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        return b;
    }
}
