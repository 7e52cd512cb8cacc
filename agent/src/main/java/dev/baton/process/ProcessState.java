package dev.baton.process;

/** supervisord's process states, with the same meanings. */
public enum ProcessState {
    /** Not running, and not going to start by itself. */
    STOPPED,
    /** Spawned, not yet up for {@code start_secs}. */
    STARTING,
    /** Up for at least {@code start_secs}. */
    RUNNING,
    /** Waiting before the next automatic start (after a failed start or an exit). */
    BACKOFF,
    /** Stop signal sent; waiting for the whole process group to be gone. */
    STOPPING,
    /** Exited from RUNNING and the restart policy says not to restart. */
    EXITED,
    /** Gave up: start retries exhausted, or a hold that needs an operator. */
    FATAL;

    /** A process of this program exists (or may exist) right now. */
    public boolean hasProcess() {
        return this == STARTING || this == RUNNING || this == STOPPING;
    }
}
