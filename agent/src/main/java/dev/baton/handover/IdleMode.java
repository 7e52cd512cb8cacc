package dev.baton.handover;

import dev.baton.process.os.Signals;

import java.util.Locale;

/**
 * What baton does to a superseded engine ({@code on_superseded}): {@code stop} (default: stop it the
 * usual way and hold it from restarting), {@code keep} (only mark it idle; it keeps running under its
 * restart policy) or a signal name or number (send that signal once and hold it from restarting).
 */
public record IdleMode(Kind kind, int signal) {

    public enum Kind { STOP, KEEP, SIGNAL }

    public static final IdleMode STOP = new IdleMode(Kind.STOP, 0);
    public static final IdleMode KEEP = new IdleMode(Kind.KEEP, 0);

    public static IdleMode signal(int signal) {
        return new IdleMode(Kind.SIGNAL, signal);
    }

    /**
     * Parses {@code stop}, {@code keep}, or a signal ({@code USR1}, {@code SIGTERM}, {@code 10});
     * null or blank means stop.
     *
     * @throws IllegalArgumentException naming what is accepted
     */
    public static IdleMode parse(String text) {
        if (text == null || text.isBlank()) {
            return STOP;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("stop")) {
            return STOP;
        }
        if (t.equals("keep")) {
            return KEEP;
        }
        try {
            return signal(Signals.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("on_superseded: expected \"stop\", \"keep\" or a signal such as \"USR1\", got '"
                    + text + "'");
        }
    }

    /** True when the supervisor must not restart the engine while it is idle. */
    public boolean holdsRestarts() {
        return kind != Kind.KEEP;
    }

    @Override
    public String toString() {
        return kind == Kind.SIGNAL ? "signal " + Signals.name(signal) : kind.name().toLowerCase(Locale.ROOT);
    }
}
