package dev.baton.cli;

/** Ends a client command with a message on stderr and an exit code from {@link ExitCodes}. */
final class CliException extends Exception {
    private final int exitCode;
    private final boolean lines;

    CliException(int exitCode, String message) {
        this(exitCode, message, false);
    }

    /**
     * With {@code lines}, the message's line breaks are the CLI's own (one config problem a line) and are
     * printed as line breaks; every other control character is still escaped. Without, the whole
     * message is escaped, line breaks included: it may carry text from the agent or a program.
     */
    CliException(int exitCode, String message, boolean lines) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.lines = lines;
    }

    /** The message as printed after {@code baton: }, control characters shown, not obeyed. */
    String printable() {
        return lines ? String.join("\n", getMessage().lines().map(TerminalText::escape).toList())
                : TerminalText.escape(getMessage());
    }

    int exitCode() {
        return exitCode;
    }
}
