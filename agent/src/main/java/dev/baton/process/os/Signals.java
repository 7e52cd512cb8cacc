package dev.baton.process.os;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Linux signal names and numbers (x86_64 and arm64 share these). */
public final class Signals {
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12,
            SIGPIPE = 13, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGXFSZ = 25, SIGWINCH = 28;

    private static final Map<String, Integer> BY_NAME = new TreeMap<>();
    private static final String[] BY_NUMBER = new String[32];

    static {
        String[] names = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
                "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
                "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
        for (int i = 1; i < names.length; i++) {
            BY_NAME.put(names[i], i);
            BY_NUMBER[i] = "SIG" + names[i];
        }
    }

    private Signals() {
    }

    /**
     * Parses {@code TERM}, {@code SIGTERM}, {@code term} or {@code 15}.
     *
     * @throws IllegalArgumentException naming the valid signals
     */
    public static int parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(t.length() > 3 ? "999" : t);
            if (n >= 1 && n < BY_NUMBER.length) {
                return n;
            }
        }
        Integer n = BY_NAME.get(t.startsWith("SIG") ? t.substring(3) : t);
        if (n == null) {
            throw new IllegalArgumentException("unknown signal '" + text + "': expected a name such as TERM, INT, "
                    + "QUIT, HUP, KILL, USR1, USR2 or a number 1-31");
        }
        return n;
    }

    /** {@code SIGTERM} for 15; {@code SIG?N} for numbers without a name. */
    public static String name(int signal) {
        return signal > 0 && signal < BY_NUMBER.length ? BY_NUMBER[signal] : "SIG?" + signal;
    }
}
