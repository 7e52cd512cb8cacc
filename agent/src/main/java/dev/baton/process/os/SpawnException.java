package dev.baton.process.os;

/** posix_spawn (or something it needs: a pipe, the user lookup) failed; the message says what and why. */
public final class SpawnException extends Exception {
    private final int errno;

    public SpawnException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno behind the failure, 0 when none (e.g. an unknown user). */
    public int errno() {
        return errno;
    }
}
