package dev.baton.process.os;

/**
 * One resource limit set on a program at spawn (setrlimit through util-linux prlimit), as systemd's
 * {@code LimitNOFILE=} and friends set it on a unit.
 *
 * @param resource the prlimit option name: {@code nofile}, {@code nproc}, {@code memlock} or {@code core}
 * @param soft     the soft limit; {@link #UNLIMITED} for none
 * @param hard     the hard limit, at least {@code soft}; {@link #UNLIMITED} for none
 */
public record ResourceLimit(String resource, long soft, long hard) {
    /** RLIM_INFINITY, written "infinity" in the config (systemd's word) and "unlimited" to prlimit. */
    public static final long UNLIMITED = -1;

    /** The value as prlimit takes it: {@code --nofile=SOFT:HARD}. */
    public String prlimitOption() {
        return "--" + resource + "=" + text(soft, "unlimited") + ":" + text(hard, "unlimited");
    }

    /** The value as the config writes it: a number when soft and hard agree, else "SOFT:HARD". */
    public String configText() {
        return soft == hard ? text(soft, "infinity") : text(soft, "infinity") + ":" + text(hard, "infinity");
    }

    private static String text(long v, String unlimited) {
        return v == UNLIMITED ? unlimited : Long.toString(v);
    }
}
