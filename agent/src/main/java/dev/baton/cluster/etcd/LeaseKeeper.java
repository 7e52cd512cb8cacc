package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterSettings;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds this host's etcd lease. It renews with {@code keepAliveOnce} on its own schedule: jetcd's
 * keepAlive stream stops silently after an etcd restart. The lease counts as held only until a local
 * monotonic deadline, {@code send time of the last confirmed renewal + ttl}, which is never later
 * than etcd's own expiry (etcd starts its ttl when it receives the renewal, after we sent it).
 *
 * <p>When the deadline passes or etcd no longer knows the lease, the lease is given up for good:
 * listeners hear {@code leaseLost}, a new lease is granted as soon as etcd answers, and the old one is
 * revoked then (etcd restores leases with a fresh ttl on restart, so revoking frees its keys at once).
 * <p>The keeper also sets a quiet period in which no lock may be taken: one ttl after each lease it is
 * granted, counted from the grant's answer. Between our previous lease and this one etcd may have lost
 * a holder's key (a wiped or restored data dir, a revoked lease) while that holder's program still
 * runs; the holder's last renewal was sent before etcd lost it, so the holder stops its program by its
 * own deadline, within one ttl of our grant. Once only after the first lease (and after "lease not
 * found") was not enough: a host whose lease had lapsed during the data loss took the lock at once
 * (found by the model, model/lock.pml with -DOLD_QUIET). It costs one ttl only after this host lost
 * its lease (an etcd outage or a cut longer than the ttl), never in a failover after a holder's death.
 *
 * <p>Runs on the cluster's single scheduler thread; the getters may be read from any thread.
 */
final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final int MAX_ABANDONED = 16;

    interface Listener {
        void leaseGranted(long leaseId);

        void leaseLost(long leaseId, String reason);
    }

    /** A lease we hold and the local monotonic instant it must be considered gone. */
    record Tenure(long id, long deadlineNanos) {
        long remainingNanos() {
            return Math.max(0, deadlineNanos - System.nanoTime());
        }
    }

    private final Lease leases;
    private final long ttlSeconds;
    private final Duration renewInterval;
    private final Duration retryTimeout;
    private final Duration retryPause;
    private final ScheduledExecutorService loop;
    private final LastError lastError;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Set<Long> abandoned = new LinkedHashSet<>();

    private volatile Tenure current;
    private volatile long lastConfirmedNanos;
    private volatile long quietUntilNanos = Long.MAX_VALUE; // until a lease is granted
    private final long startedNanos = System.nanoTime();
    private volatile BooleanSupplier retain = () -> false;
    private Runnable reconnect = () -> { };
    private ScheduledFuture<?> nextAttempt;
    private ScheduledFuture<?> expiry;
    private boolean closed;

    LeaseKeeper(Lease leases, ClusterSettings settings, ScheduledExecutorService loop, LastError lastError) {
        this.leases = leases;
        this.ttlSeconds = settings.leaseTtl().getSeconds();
        this.renewInterval = settings.renewInterval();
        this.retryTimeout = settings.retryTimeout();
        this.retryPause = renewInterval.compareTo(Duration.ofMillis(500)) < 0 ? renewInterval : Duration.ofMillis(500);
        this.loop = loop;
        this.lastError = lastError;
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    void start() {
        loop.execute(this::attempt);
    }

    /** The lease we hold, or null. */
    Tenure tenure() {
        return current;
    }

    long leaseId() {
        Tenure t = current;
        return t == null ? 0 : t.id();
    }

    /** Time left before the local deadline; zero without a lease. */
    Duration remaining() {
        Tenure t = current;
        return t == null ? Duration.ZERO : Duration.ofNanos(t.remainingNanos());
    }

    /** Time left in the quiet period during which no lock may be taken (see the class comment). */
    Duration quietRemaining() {
        return Duration.ofNanos(Math.max(0, quietUntilNanos - System.nanoTime()));
    }

    /** When the last renewal (or grant) that etcd confirmed was sent, System.nanoTime(); 0 before any. */
    long lastConfirmedNanos() {
        return lastConfirmedNanos;
    }

    /**
     * How long etcd has confirmed nothing: since the send time of the last confirmed renewal or grant,
     * or since this keeper started. A failsafe member confirms only after a while of this.
     */
    Duration etcdSilence() {
        return Duration.ofNanos(System.nanoTime() - Math.max(lastConfirmedNanos, startedNanos));
    }

    /**
     * Failsafe: while {@code retain} says so (a holder runs on its peers' promises), the lease is kept past
     * its local deadline and renewed, not given up: when etcd comes back (it restores leases with a fresh
     * ttl when it restarts), the holder's first renewal keeps its lock key, before any member may campaign.
     */
    void retainWhile(BooleanSupplier retain, Runnable reconnectNow) {
        this.retain = retain;
        this.reconnect = reconnectNow;
    }

    private void attempt() {
        if (closed) {
            return;
        }
        Tenure t = current;
        if (t == null) {
            grant();
        } else {
            renew(t);
        }
    }

    private void grant() {
        long sent = System.nanoTime();
        CompletableFuture<LeaseGrantResponse> call =
                leases.grant(ttlSeconds, retryTimeout.toMillis(), TimeUnit.MILLISECONDS);
        EtcdCalls.within(call, retryTimeout).whenCompleteAsync((granted, error) -> {
            if (closed) {
                if (granted != null) {
                    leases.revoke(granted.getID());
                }
                return;
            }
            if (error != null) {
                lastError.record("lease grant", error);
                reconnect.run();
                schedule(pauseAfter(sent));
                return;
            }
            quietUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds);
            Tenure t = confirm(granted.getID(), sent, granted.getTTL());
            LOG.info("etcd lease {} granted ({}s)", Long.toHexString(t.id()), ttlSeconds);
            revokeAbandoned();
            listeners.forEach(l -> l.leaseGranted(t.id()));
            schedule(renewInterval);
        }, loop);
    }

    private void renew(Tenure t) {
        long sent = System.nanoTime();
        EtcdCalls.within(leases.keepAliveOnce(t.id()), retryTimeout).whenCompleteAsync((renewed, error) -> {
            if (closed) {
                return;
            }
            if (!isCurrent(t.id())) {
                schedule(Duration.ZERO); // given up meanwhile (deadline passed): grant a new one
            } else if (error == null) {
                confirm(t.id(), sent, renewed.getTTL());
                schedule(renewInterval);
            } else if (EtcdCalls.leaseNotFound(error)) {
                // Expired, or etcd lost it (data loss, a revoke by hand): the next grant starts a quiet period.
                lose(t.id(), "etcd no longer knows the lease (expired or revoked)");
                schedule(Duration.ZERO);
            } else {
                lastError.record("lease renewal", error);
                reconnect.run(); // failsafe: retry the connection at once, not after gRPC's growing backoff
                schedule(pauseAfter(sent));
            }
        }, loop);
    }

    /** Retry at once after a timeout; after a quick failure (connection refused) wait a little, not to spin. */
    private Duration pauseAfter(long sentNanos) {
        long left = retryPause.toNanos() - (System.nanoTime() - sentNanos);
        return Duration.ofNanos(Math.max(0, left));
    }

    private boolean isCurrent(long id) {
        Tenure t = current;
        return t != null && t.id() == id;
    }

    private Tenure confirm(long id, long sentNanos, long grantedTtlSeconds) {
        long ttl = Math.min(ttlSeconds, grantedTtlSeconds);
        Tenure t = new Tenure(id, sentNanos + TimeUnit.SECONDS.toNanos(ttl));
        current = t;
        lastConfirmedNanos = sentNanos;
        lastError.clear();
        if (expiry != null) {
            expiry.cancel(false);
        }
        expiry = loop.schedule(() -> expireIfDue(t), t.remainingNanos(), TimeUnit.NANOSECONDS);
        return t;
    }

    private void expireIfDue(Tenure t) {
        if (current == t && t.remainingNanos() == 0 && retain.getAsBoolean()) {
            expiry = loop.schedule(() -> expireIfDue(t), renewInterval.toNanos(), TimeUnit.NANOSECONDS);
        } else if (current == t && t.remainingNanos() == 0) {
            abandoned.add(t.id());
            lose(t.id(), "no renewal confirmed within the lease ttl");
        }
    }

    private void lose(long id, String reason) {
        current = null;
        if (expiry != null) {
            expiry.cancel(false);
        }
        LOG.warn("etcd lease {} lost: {}", Long.toHexString(id), reason);
        listeners.forEach(l -> l.leaseLost(id, reason));
    }

    /** Leases given up locally may still live in etcd (restored on restart): revoke them to free their keys. */
    private void revokeAbandoned() {
        while (abandoned.size() > MAX_ABANDONED) {
            abandoned.remove(abandoned.iterator().next());
        }
        for (Long id : new ArrayList<>(abandoned)) {
            EtcdCalls.within(leases.revoke(id), retryTimeout).whenCompleteAsync((ok, error) -> {
                if (error == null || EtcdCalls.leaseNotFound(error)) {
                    abandoned.remove(id);
                    LOG.info("abandoned etcd lease {} revoked", Long.toHexString(id));
                }
            }, loop);
        }
    }

    private void schedule(Duration delay) {
        if (nextAttempt != null) {
            nextAttempt.cancel(false);
        }
        nextAttempt = loop.schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops renewing; with {@code revoke}, also revokes the lease (its keys vanish at once). On the loop thread. */
    CompletableFuture<Void> stop(boolean revoke) {
        closed = true;
        if (nextAttempt != null) {
            nextAttempt.cancel(false);
        }
        if (expiry != null) {
            expiry.cancel(false);
        }
        Tenure t = current;
        current = null;
        if (!revoke || t == null) {
            return CompletableFuture.completedFuture(null);
        }
        return EtcdCalls.within(leases.revoke(t.id()), retryTimeout)
                .handle((ok, error) -> null);
    }
}
