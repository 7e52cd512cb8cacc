package dev.baton.process.os;

import jnr.constants.platform.Errno;

/** Turns error numbers into readable text, and checks functions that return one (the posix_spawn family). */
final class ErrorNumbers {
    private ErrorNumbers() {
    }

    /** {@code "No such file or directory (ENOENT)"}. */
    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e.defined() ? e.description() + " (" + e.name() + ")" : "errno " + errno;
    }

    /** For functions that return 0 or an error number (not errno). */
    static void check(int result, String what) throws SpawnException {
        if (result != 0) {
            throw new SpawnException(what + " failed: " + describe(result), result);
        }
    }
}
