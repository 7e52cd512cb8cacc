package dev.baton.process.os;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fields of /proc/PID/stat the supervisor uses.
 *
 * @param pid       process id
 * @param comm      command name (up to 15 bytes, may contain spaces and parentheses)
 * @param state     R, S, D, T, Z (zombie), X (dead), ...
 * @param ppid      parent process id
 * @param pgrp      process group id
 * @param session   session id
 * @param startTime field 22: start time in clock ticks since boot
 */
public record ProcStat(int pid, String comm, char state, int ppid, int pgrp, int session, long startTime) {

    /** Exited but not reaped yet, or being torn down: not a live process. */
    public boolean isZombie() {
        return state == 'Z' || state == 'X' || state == 'x';
    }

    /**
     * Parses one stat line. comm sits between the first '(' and the LAST ')': it may itself contain ") ", so the
     * remaining fields are counted from the last ')'.
     */
    static Optional<ProcStat> parse(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        return Optional.ofNullable(parse(bytes, bytes.length));
    }

    /**
     * Parses the first {@code len} bytes of /proc/PID/stat, or returns null when they are not a stat line.
     * Straight from the bytes and without a temporary per field: this runs once per process in every scan of
     * /proc, on the event loop, and its garbage brought young collections.
     */
    static ProcStat parse(byte[] line, int len) {
        int open = indexOf(line, 0, len, (byte) '(');
        int close = lastIndexOf(line, len, (byte) ')');
        if (open < 1 || close < open) {
            return null;
        }
        // Fields after comm, numbered as in proc(5): 3 state, 4 ppid, 5 pgrp, 6 session, 22 starttime.
        char state = 0;
        long ppid = -1;
        long pgrp = -1;
        long session = -1;
        long startTime = -1;
        int field = 2;
        int i = close + 1;
        while (field < 22) {
            while (i < len && isSpace(line[i])) {
                i++;
            }
            if (i >= len) {
                return null;
            }
            int start = i;
            while (i < len && line[i] != ' ' && line[i] != '\n') {
                i++;
            }
            field++;
            switch (field) {
                case 3 -> {
                    if (i - start != 1) {
                        return null;
                    }
                    state = (char) (line[start] & 0xff);
                }
                case 4 -> ppid = number(line, start, i);
                case 5 -> pgrp = number(line, start, i);
                case 6 -> session = number(line, start, i);
                case 22 -> startTime = number(line, start, i);
                default -> { }
            }
        }
        long pid = number(line, 0, trimEnd(line, open));
        if (pid < 0 || ppid < 0 || pgrp < 0 || session < 0 || startTime < 0
                || pid > Integer.MAX_VALUE || ppid > Integer.MAX_VALUE || pgrp > Integer.MAX_VALUE || session > Integer.MAX_VALUE) {
            return null;
        }
        return new ProcStat((int) pid, new String(line, open + 1, close - open - 1, StandardCharsets.ISO_8859_1), state,
                (int) ppid, (int) pgrp, (int) session, startTime);
    }

    /** The decimal number in [from, to), or -1 when it is not one (empty, a sign, another character, overflow). */
    private static long number(byte[] b, int from, int to) {
        while (from < to && isSpace(b[from])) {
            from++;
        }
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private static int trimEnd(byte[] b, int end) {
        while (end > 0 && isSpace(b[end - 1])) {
            end--;
        }
        return end;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == 0x0b || c == '\f';
    }

    private static int indexOf(byte[] b, int from, int len, byte c) {
        for (int i = from; i < len; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, int len, byte c) {
        for (int i = len - 1; i >= 0; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
