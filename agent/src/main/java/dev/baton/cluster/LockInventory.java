package dev.baton.cluster;

import java.util.List;

/**
 * A host's part in one lock, published with its inventory so that any host can plan a switchover and
 * an operator can see every host's warm-standby identity in one table ({@code baton fleet}).
 *
 * @param lock         lock name
 * @param program      the exclusive program
 * @param role         this host's {@link LockRole}
 * @param ready        the host would take the lock now: its readiness check passes, it has a lease and is
 *                     past its quiet period
 * @param fencingToken the token while holding, else 0
 * @param identity     the warm-standby identity here, null without identity hooks (or from an older agent)
 * @param failsafe     this host's failsafe part, null when {@code [cluster] failsafe} is off (or from an older agent)
 */
public record LockInventory(String lock, String program, LockRole role, boolean ready, long fencingToken,
                            Identity identity, Failsafe failsafe) {

    /** Without identity hooks or failsafe (and as agents before them wrote it). */
    public LockInventory(String lock, String program, LockRole role, boolean ready, long fencingToken) {
        this(lock, program, role, ready, fencingToken, null, null);
    }

    /** Last failures are cut to this many characters: the entry is republished on every change. */
    public static final int FAILURE_CHARS = 160;

    /**
     * @param state        the {@link IdentityState}'s name (a string, so that a state added later does not make
     *                     an older reader drop the whole entry)
     * @param hookFailures hooks that failed or timed out since the agent started
     * @param lastFailure  the last failure in words (at most {@link #FAILURE_CHARS}), or null
     */
    public record Identity(String state, long hookFailures, String lastFailure) {
        public static Identity of(IdentityStatus s) {
            String last = s.lastFailure();
            if (last != null && last.length() > FAILURE_CHARS) {
                last = last.substring(0, FAILURE_CHARS - 3) + "...";
            }
            return new Identity(s.state().name(), s.hookFailures(), last);
        }
    }

    /**
     * What this host knows of the failsafe. A holder runs on promises only while it cannot reach etcd, so it
     * cannot publish that while it happens: the episode shows here once etcd is back ({@code lastOnPromises}).
     *
     * @param members         the members this holder wrote for the lock (it asks them when etcd is silent), null
     *                        when not holding or not written yet
     * @param onPromisesSince while this holder runs on its members' promises: since when (ISO-8601, wall clock)
     * @param confirmations   members that promised in this holder's last round of asking
     * @param lastOnPromises  the last time this host held the lock on promises: "FROM to TO" (ISO-8601), or null
     */
    public record Failsafe(List<String> members, String onPromisesSince, int confirmations, String lastOnPromises) {
    }
}
