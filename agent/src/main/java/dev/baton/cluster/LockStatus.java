package dev.baton.cluster;

import java.util.List;

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
 * @param failsafe        the failsafe's state, null when {@code [cluster] failsafe} is off
 */
public record LockStatus(String lock, String program, LockRole role, boolean ready, String holder, long holderToken,
                         long fencingToken, String standbyProgram, String pendingFailover, String lastChange,
                         Failsafe failsafe) {

    /**
     * @param active          this holder runs on its members' promises (etcd unreachable past its lease deadline)
     * @param confirmations   members that promised in the last round of asking
     * @param members         the members this holder asks (the list it wrote to etcd), null before it wrote one
     * @param promiseRemainingMs while this host promised a holder not to campaign: how long the promise still runs
     */
    public record Failsafe(boolean active, int confirmations, List<String> members, long promiseRemainingMs) {
    }

    public boolean amHolder() {
        return fencingToken != 0;
    }
}
