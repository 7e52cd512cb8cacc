package dev.baton.cluster;

/**
 * One lock as this host sees it.
 *
 * @param lock            lock name
 * @param program         the exclusive program
 * @param role            this host's role
 * @param ready           the readiness check passed at its last probe
 * @param holder          the holder's host name as last read from etcd (null: free or unknown)
 * @param holderToken     the holder's fencing token as last read (0: none)
 * @param fencingToken    this host's token while it holds the lock, else 0
 * @param standbyProgram  the standby variant, or null
 * @param pendingFailover a switchover request waiting in etcd ("to HOST" / "to any ready standby"), or null
 * @param lastChange      why the role last changed
 */
public record LockStatus(String lock, String program, LockRole role, boolean ready, String holder, long holderToken,
                         long fencingToken, String standbyProgram, String pendingFailover, String lastChange) {

    public boolean amHolder() {
        return fencingToken != 0;
    }
}
