package dev.baton.cli;

/** Exit codes of the client commands (status, start, ...), the same for all of them. */
final class ExitCodes {
    static final int OK = 0;
    /** The agent carried out the request but the action failed (a program did not start, a conflict). */
    static final int FAILED = 1;
    /** Bad usage or a request the agent rejected as malformed. */
    static final int USAGE = 2;
    /** Nothing answers at the API's address. */
    static final int NOT_RUNNING = 3;
    /** No such program. */
    static final int NOT_FOUND = 4;
    /** The token is missing, unreadable or wrong, or the agent refused the client. */
    static final int PERMISSION = 5;

    /** For each command's help. */
    static final String HELP = "Exit codes:%n  0  ok%n  1  the action failed (a program did not get where it was sent, "
            + "a conflict)%n  2  usage or bad request%n  3  the agent is not running%n  4  no such program%n"
            + "  5  token or permission problem";

    private ExitCodes() {
    }
}
