package dev.baton.logs;

/** Byte scanning helpers for the hot path. */
final class Bytes {
    private Bytes() {
    }

    /** Index of the first '\n' in {@code buf[from, to)}, or -1. */
    static int indexOfNewline(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
