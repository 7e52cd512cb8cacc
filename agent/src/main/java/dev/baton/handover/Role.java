package dev.baton.handover;

/** What an engine of a group is, as far as baton knows. */
public enum Role {
    /** Working: it said so (Initialised StateChainClient) and has not said otherwise since. */
    ACTIVE,
    /** Newer than the chain's release and waiting for it: ready for the next upgrade. */
    WAITING,
    /** Older than the chain's release: it can no longer work. Not yet idled (no successor ready yet). */
    SUPERSEDED,
    /** Superseded and idled by baton (stopped and held, marked, or signalled, per {@code on_superseded}). */
    IDLE,
    /** Waiting for its node to sync. */
    SYNCING,
    /** Not said yet (just started, or the process exited). */
    UNKNOWN,
    /** Error: it said it must not be restarted (it needs an update); restarts are held. */
    ERROR
}
