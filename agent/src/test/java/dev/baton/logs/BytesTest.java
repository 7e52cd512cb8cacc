package dev.baton.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class BytesTest {
    @Test
    void findsTheFirstNewlineLikeAByteLoop() {
        Random random = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            byte[] buf = new byte[random.nextInt(40)];
            for (int i = 0; i < buf.length; i++) {
                int pick = random.nextInt(6);
                // newlines, bytes next to '\n' in value (0x09, 0x0b, 0x8a), and anything
                buf[i] = (byte) (pick == 0 ? '\n' : pick == 1 ? 0x0b : pick == 2 ? 0x09 : pick == 3 ? 0x8a : random.nextInt(256));
            }
            int from = buf.length == 0 ? 0 : random.nextInt(buf.length);
            int to = from + random.nextInt(buf.length - from + 1);
            assertEquals(byteLoop(buf, from, to), Bytes.indexOfNewline(buf, from, to));
        }
    }

    @Test
    void findsTheFirstControlCharacterButTabLikeAByteLoop() {
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            byte[] buf = new byte[random.nextInt(40)];
            for (int i = 0; i < buf.length; i++) {
                int pick = random.nextInt(6);
                // TABs, controls, bytes just above them (' ', 0x7f) and high bytes, and anything
                buf[i] = (byte) (pick == 0 ? '\t' : pick == 1 ? 0x1b : pick == 2 ? ' ' : pick == 3 ? 0x9b : 0x20 + random.nextInt(224));
            }
            int from = buf.length == 0 ? 0 : random.nextInt(buf.length);
            int to = from + random.nextInt(buf.length - from + 1);
            int expected = -1;
            for (int i = from; i < to && expected < 0; i++) {
                if (buf[i] >= 0 && buf[i] < 0x20 && buf[i] != '\t') {
                    expected = i;
                }
            }
            assertEquals(expected, Bytes.indexOfControl(buf, from, to));
        }
    }

    @Test
    void countsNewlines() {
        assertEquals(3, Bytes.countNewlines("a\n\nbcdefghijklmnop\n".getBytes(), 0, 19));
        assertEquals(0, Bytes.countNewlines(new byte[0], 0, 0));
    }

    private static int byteLoop(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
