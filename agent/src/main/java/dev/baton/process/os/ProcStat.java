package dev.baton.process.os;

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
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 1 || close < open) {
            return Optional.empty();
        }
        // The fields after comm, by their start and end: field N (from 3, state) is at index N - 3.
        // Only the first 20 are looked at; no substrings but the ones parsed (this runs once per process
        // in every scan of /proc).
        int[] starts = new int[20];
        int[] ends = new int[20];
        int count = 0;
        int i = close + 1;
        int len = line.length();
        while (count < 20) {
            while (i < len && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            starts[count] = i;
            while (i < len && line.charAt(i) != ' ' && line.charAt(i) != '\n') {
                i++;
            }
            ends[count++] = i;
        }
        if (count < 20 || ends[0] - starts[0] != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcStat(Integer.parseInt(line.substring(0, open).trim()),
                    line.substring(open + 1, close), line.charAt(starts[0]), field(line, starts, ends, 1),
                    field(line, starts, ends, 2), field(line, starts, ends, 3),
                    Long.parseLong(line, starts[19], ends[19], 10)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static int field(String line, int[] starts, int[] ends, int index) {
        return Integer.parseInt(line, starts[index], ends[index], 10);
    }
}
