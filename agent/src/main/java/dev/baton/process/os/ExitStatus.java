package dev.baton.process.os;

/**
 * How a process ended: an exit code, or the signal that killed it.
 *
 * @param code   exit code (0-255) when exited normally, -1 when killed by a signal
 * @param signal signal number when killed by a signal, 0 otherwise
 */
public record ExitStatus(int code, int signal) {
    /** Decodes a wait(2) status word. */
    public static ExitStatus fromWaitStatus(int status) {
        return (status & 0x7f) == 0 ? new ExitStatus((status >> 8) & 0xff, 0) : new ExitStatus(-1, status & 0x7f);
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0);
    }

    public static ExitStatus killed(int signal) {
        return new ExitStatus(-1, signal);
    }

    public boolean bySignal() {
        return signal != 0;
    }

    /** The shell convention: the exit code, or 128 + signal. */
    public int shellCode() {
        return bySignal() ? 128 + signal : code;
    }

    @Override
    public String toString() {
        return bySignal() ? "killed by " + Signals.name(signal) : "exit " + code;
    }
}
