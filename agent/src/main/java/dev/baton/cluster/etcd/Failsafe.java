package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.LockStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lock's failsafe, both sides (docs/cluster.md, "Failsafe through an etcd outage").
 *
 * <p>As a member: {@link #promise} confirms a holder's request only when this host has had no
 * confirmed etcd contact for {@link ClusterSettings#etcdSilenceBound}, is a plain standby and saw the
 * asker hold the lock with that token; it then will not campaign until its monotonic now + ttl
 * ({@link #promiseObstacle}). Nothing is persisted: an agent that restarts waits one ttl after its
 * first lease grant before it may take a lock (the quiet period), which covers a promise of one ttl.
 *
 * <p>As the holder: {@link #ask} asks every member of the list it last wrote to etcd ({@link FailsafeMembers})
 * at the address of its last view of the fleet; only when all promise does the holder's deadline become
 * <i>send time + ttl</i> (each promise started after the send, on a clock running at the same rate).
 *
 * <p>On the cluster thread, except the getters marked otherwise.
 */
final class Failsafe {
    private static final Logger LOG = LoggerFactory.getLogger(Failsafe.class);

    private final String lock;
    private final ClusterSettings cluster;
    private final FailsafeClient client; // null: failsafe off on this host
    private final Supplier<List<HostInventory>> view;
    /**
     * Each member's peer address as last seen in any view. A member's inventory entry can be missing from one
     * read (its lease was replaced after a cut and it has not published again yet) while it is still a member;
     * an old address is harmless, since the answering certificate must name the member.
     */
    private final Map<String, String> lastAddresses = new ConcurrentHashMap<>();

    private volatile long promisedUntilNanos;
    private volatile String promisedTo;
    private volatile long confirmedUntilNanos;
    private volatile int confirmations;
    private volatile FailsafeMembers written;
    /**
     * Hosts of member lists this holder sent since {@link #written} was confirmed: a write whose answer is late or
     * lost may have landed, and then etcd lets those hosts take over. Asked along with the confirmed list.
     */
    private final Set<String> mayBeWritten = new TreeSet<>();
    private boolean asking;
    private String lastRefusal;

    Failsafe(String lock, ClusterSettings cluster, FailsafeClient client, Supplier<List<HostInventory>> view) {
        this.lock = lock;
        this.cluster = cluster;
        this.client = client;
        this.view = view;
    }

    boolean enabled() {
        return client != null;
    }

    // ---- member side ----

    /** @param etcdSilence how long etcd has confirmed nothing to this host ({@link LeaseKeeper#etcdSilence}) */
    FailsafeAnswer promise(FailsafeRequest request, LockRole role, LockView seen, Duration etcdSilence) {
        if (client == null) {
            return FailsafeAnswer.refuse("failsafe is off on " + cluster.host());
        }
        if (etcdSilence.compareTo(cluster.etcdSilenceBound()) < 0) {
            return FailsafeAnswer.refuse(cluster.host() + " reaches etcd");
        }
        if (role != LockRole.STANDBY) {
            return FailsafeAnswer.refuse(cluster.host() + " is " + role + " for lock " + lock);
        }
        if (seen == null || !request.holder().equals(seen.holderHost()) || seen.token() != request.token()) {
            return FailsafeAnswer.refuse("in " + cluster.host() + "'s last view of lock " + lock + " the holder is "
                    + (seen == null ? "unknown" : seen.holderHost() + " with token " + seen.token()));
        }
        long until = System.nanoTime() + cluster.leaseTtl().toNanos();
        if (promisedTo == null || until - promisedUntilNanos > 0) {
            if (!request.holder().equals(promisedTo) || promisedUntilNanos - System.nanoTime() <= 0) {
                LOG.warn("lock {}: failsafe: promised {} (token {}) not to campaign for {}: neither reaches etcd",
                        lock, request.holder(), request.token(), ClusterSettings.show(cluster.leaseTtl()));
            }
            promisedUntilNanos = until;
            promisedTo = request.holder();
        }
        return new FailsafeAnswer(true, cluster.leaseTtl().toMillis(), "promised");
    }

    /** Why this host must not campaign now because of a promise it gave, or null. */
    String promiseObstacle() {
        long left = promisedUntilNanos - System.nanoTime();
        if (promisedTo == null || left <= 0) {
            return null;
        }
        return "promised " + promisedTo + " (failsafe) not to campaign for " + TimeUnit.NANOSECONDS.toMillis(left) + "ms more";
    }

    /** Why this host must not campaign because a failsafe holder's member list leaves it out, or null. */
    static String membersObstacle(LockView v, String host) {
        FailsafeMembers members = v.members();
        if (members == null || members.allows(host)) {
            return null;
        }
        return "not in the failsafe members of lock (written by " + members.holder() + ", token " + members.token()
                + "): only " + members.hosts() + " may take over while that holder may run through an etcd outage;"
                + " a new holder rewrites the list, or delete the key failsafe/<lock> with etcdctl once that host is gone";
    }

    // ---- holder side ----

    /** The member list this holder should have in etcd: every other host taking part in the lock. Null before a fleet read. */
    FailsafeMembers desired(long token) {
        List<HostInventory> hosts = viewRememberingAddresses();
        if (hosts.stream().noneMatch(h -> cluster.host().equals(h.host()))) {
            return null; // not read yet (our own entry is in every complete view)
        }
        List<String> others = hosts.stream()
                .filter(h -> !cluster.host().equals(h.host()))
                .filter(h -> h.locks() != null && h.locks().stream().map(LockInventory::lock).anyMatch(lock::equals))
                .map(HostInventory::host).sorted().toList();
        return new FailsafeMembers(cluster.host(), token, others);
    }

    private List<HostInventory> viewRememberingAddresses() {
        List<HostInventory> hosts = view.get();
        hosts.stream().filter(h -> h.peerAddress() != null).forEach(h -> lastAddresses.put(h.host(), h.peerAddress()));
        return hosts;
    }

    /** The holder sends {@code members} to etcd: until confirmed, they may be in etcd or not (see {@link #mayBeWritten}). */
    void writing(FailsafeMembers members) {
        if (members != null) {
            mayBeWritten.addAll(members.hosts());
        }
    }

    /** etcd holds {@code members} (a write was confirmed, or a read showed them). */
    void written(FailsafeMembers members) {
        if (!Objects.equals(members, written)) {
            LOG.info("lock {}: failsafe members {}", lock, members == null ? "none" : members.hosts());
        }
        written = members;
        mayBeWritten.clear();
    }

    FailsafeMembers written() {
        return written;
    }

    /**
     * Asks every member of the written list, and every host of a list sent since that may have landed (asking one
     * host more only costs a refusal; asking one less lets a host that never promised take over); when all
     * promise, extends the deadline to send time + ttl and runs {@code extended}. A member that refuses or does
     * not answer extends nothing: the holder then fences by the deadline it already has.
     */
    void ask(long token, Runnable extended, Executor loop) {
        FailsafeMembers members = written;
        if (client == null || asking || members == null || members.token() != token) {
            return;
        }
        asking = true;
        viewRememberingAddresses();
        Map<String, String> addresses = new TreeMap<>(lastAddresses);
        Set<String> asked = new TreeSet<>(members.hosts());
        asked.addAll(mayBeWritten);
        List<String> hosts = List.copyOf(asked);
        FailsafeRequest request = new FailsafeRequest(lock, cluster.host(), token);
        long sent = System.nanoTime();
        List<CompletableFuture<FailsafeAnswer>> answers = new ArrayList<>();
        for (String member : hosts) {
            answers.add(client.ask(member, addresses.get(member), request));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, error) -> {
            asking = false;
            List<String> refusals = new ArrayList<>();
            long promised = Long.MAX_VALUE;
            for (int i = 0; i < answers.size(); i++) {
                FailsafeAnswer a = answers.get(i).join();
                if (!a.promise()) {
                    refusals.add(hosts.get(i) + ": " + a.reason());
                } else {
                    promised = Math.min(promised, TimeUnit.MILLISECONDS.toNanos(Math.min(a.promiseMillis(),
                            cluster.leaseTtl().toMillis())));
                }
            }
            confirmations = answers.size() - refusals.size();
            if (!refusals.isEmpty()) {
                String text = String.join("; ", refusals);
                if (!text.equals(lastRefusal)) {
                    LOG.warn("lock {}: failsafe refused ({}): fencing by the current deadline", lock, text);
                }
                lastRefusal = text;
                return;
            }
            lastRefusal = null;
            long until = promised == Long.MAX_VALUE ? sent + cluster.leaseTtl().toNanos() : sent + promised;
            if (until - confirmedUntilNanos > 0) {
                if (confirmedUntilNanos - System.nanoTime() <= 0) {
                    LOG.warn("lock {}: failsafe: etcd unreachable, every member ({}) promised not to campaign:"
                            + " keeping the program running", lock, hosts);
                }
                confirmedUntilNanos = until;
                extended.run();
            }
        }, loop);
    }

    /** The monotonic instant the members' promises run out; 0 when none. Any thread. */
    long confirmedUntilNanos() {
        return confirmedUntilNanos;
    }

    /** Whether the holder runs on promises now (they outlast the lease). Any thread. */
    boolean active(long leaseDeadlineNanos) {
        long until = confirmedUntilNanos;
        return until != 0 && until - System.nanoTime() > 0 && until - leaseDeadlineNanos > 0;
    }

    /** For the status; any thread. */
    LockStatus.Failsafe status(boolean active) {
        FailsafeMembers members = written;
        long promiseLeft = promisedTo == null ? 0 : Math.max(0, promisedUntilNanos - System.nanoTime());
        return new LockStatus.Failsafe(active, confirmations, members == null ? null : members.hosts(),
                TimeUnit.NANOSECONDS.toMillis(promiseLeft));
    }

    /** A new tenure or none: old promises were given to another tenure. */
    void reset() {
        confirmedUntilNanos = 0;
        confirmations = 0;
        written = null;
        mayBeWritten.clear();
        lastRefusal = null;
    }
}
