package dev.baton.cli;

/** Ends a client command with a message on stderr and an exit code from {@link ExitCodes}. */
final class CliException extends Exception {
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
