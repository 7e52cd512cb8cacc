package dev.baton.cluster;

/** Where this host stands for one exclusive lock. */
public enum LockRole {
    /** Making sure the exclusive program is not running before taking part. */
    INITIALIZING,
    /** Not holding the lock; the exclusive program is stopped (a standby variant may run). */
    STANDBY,
    /** The lock is free and this host is ready: waiting out its jitter, then trying to take it. */
    CAMPAIGNING,
    /** Holding the lock; starting the exclusive program (after the standby variant exited). */
    STARTING,
    /** Holding the lock with the exclusive program started. */
    HOLDER,
    /** Stopping the exclusive program and waiting for it to exit (fencing or a switchover). */
    DEMOTING
}
