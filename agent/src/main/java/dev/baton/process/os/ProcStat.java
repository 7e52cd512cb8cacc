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
        String[] fields = line.substring(close + 1).trim().split(" ");
        // fields[0] is field 3 (state), so field N is fields[N - 3]
        if (fields.length < 20 || fields[0].length() != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcStat(Integer.parseInt(line.substring(0, open).trim()),
                    line.substring(open + 1, close), fields[0].charAt(0), Integer.parseInt(fields[1]),
                    Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), Long.parseLong(fields[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
