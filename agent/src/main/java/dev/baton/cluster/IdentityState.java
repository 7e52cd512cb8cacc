package dev.baton.cluster;

/** Where a warm standby's identity stands on this host ({@link IdentityControl}). */
public enum IdentityState {
    /** Not live here: released, or never acquired. */
    PASSIVE,
    /** Holding the lock, waiting for {@code verify_released} to confirm the previous holder is passive. */
    VERIFYING,
    /** The acquire hook runs. */
    ACQUIRING,
    /** The identity is live here. */
    LIVE,
    /** The release hook runs (or, after it failed, the program is being stopped). */
    RELEASING,
    /** The acquire hook failed (or the program restarted and acquiring again failed): the release hook runs next. */
    FAILED,
    /** The release hook failed: the program was stopped and seen to exit, so no identity is live here. */
    FENCED
}
