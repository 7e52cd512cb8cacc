package dev.baton.cluster.etcd;

/**
 * The value of {@code failover/<lock>}: a planned switchover. While it exists (it lives on its own
 * lease of {@code failover_timeout}), the holder named {@code from} hands over, does not campaign
 * again, and only {@code to} (or, when null, any other ready standby) may take the lock.
 *
 * @param id          unique id, for logs
 * @param from        the holder asked to hand over
 * @param token       that holder's fencing token: a request for an older tenure is ignored
 * @param to          target host, or null for any ready standby
 * @param requestedBy host that wrote the request
 * @param requestedAt its wall clock, informative only
 */
record FailoverRequest(String id, String from, long token, String to, String requestedBy, String requestedAt) {

    /** May {@code host} campaign while this request is pending? */
    boolean allowsCampaignBy(String host) {
        return !host.equals(from) && (to == null || to.equals(host));
    }

    String describe() {
        return (to == null ? "to any ready standby" : "to " + to) + " (from " + from + ", token " + token + ")";
    }
}
