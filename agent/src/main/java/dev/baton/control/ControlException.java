package dev.baton.control;

/** A command that cannot be carried out; the kind maps to an HTTP status and a CLI exit code. */
public final class ControlException extends RuntimeException {
    public enum Kind {
        /** No such program (404). */
        NOT_FOUND,
        /** The action conflicts with the program's state, e.g. signalling a stopped program (409). */
        CONFLICT,
        /** The request itself is wrong, e.g. an unknown signal (400). */
        BAD_REQUEST,
        /** The agent is shutting down or the loop did not answer in time (503). */
        UNAVAILABLE
    }

    private final Kind kind;

    public ControlException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
