package dev.baton.handover;

/** Why an engine's process is not running, as the supervisor knows it: what an operator must do differs. */
public enum ProcessDown {
    /** Not started yet by this agent. */
    NOT_STARTED("is not running"),
    /** It exited and its restart policy starts it again after a delay (BACKOFF): crash-looping if it goes on. */
    RESTARTING("keeps exiting and is being restarted (BACKOFF): see its output (baton tail {p})"),
    /** Stopped, and not by an operator (e.g. held by this handover, or a reload). */
    STOPPED("is stopped: start it (baton start {p})"),
    /** An operator stopped it: it stays stopped until an operator starts it. */
    STOPPED_BY_OPERATOR("was stopped by an operator: start it (baton start {p})"),
    /** Its restart policy gave up (FATAL, or EXITED under restart = never/on-failure). */
    GAVE_UP("has given up (FATAL or EXITED): fix it (baton tail {p}), then baton start {p}");

    private final String words;

    ProcessDown(String words) {
        this.words = words;
    }

    /** "was stopped by an operator: start it (baton start cfe11)" */
    String words(String program) {
        return words.replace("{p}", program);
    }
}
