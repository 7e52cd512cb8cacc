package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramControl;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FailoverResult;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.IdentityHooks;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Planned switchover through etcd, from any host: write {@code failover/<lock>} (on its own lease of
 * {@code failover_timeout}) naming the holder, its token and the target; the holder stops its program,
 * confirms the exit and deletes its lock key; the target (or any other ready standby) takes the lock,
 * starts, and deletes the request. The request only steers who may campaign: safety still rests on
 * the lock key alone.
 */
final class Switchover {
    private static final Duration POLL = Duration.ofMillis(100);

    private final ClusterSettings settings;
    private final KeySpace keys;
    private final KV kv;
    private final Lease leases;
    private final FleetInventory fleet;
    private final ScheduledExecutorService loop;
    /** Locks in warm-standby mode: their plan moves an identity, not a process. */
    private final Map<String, IdentityHooks> identities;

    Switchover(ClusterSettings settings, KeySpace keys, KV kv, Lease leases, FleetInventory fleet,
               ScheduledExecutorService loop, Map<String, IdentityHooks> identities) {
        this.identities = Map.copyOf(identities);
        this.settings = settings;
        this.keys = keys;
        this.kv = kv;
        this.leases = leases;
        this.fleet = fleet;
        this.loop = loop;
    }

    private LockStore store(String lock) {
        return new LockStore(kv, keys, lock, settings.retryTimeout());
    }

    /** Reads etcd (bounded by the retry timeout, on the caller's thread) and describes the switchover. */
    FailoverPlan plan(String lock, Optional<String> to) {
        return plan(lock, read(lock), to);
    }

    private LockView read(String lock) {
        return EtcdCalls.await(store(lock).read(), settings.retryTimeout(), "reading lock " + lock);
    }

    private FailoverPlan plan(String lock, LockView view, Optional<String> to) {
        List<HostInventory> hosts = fleet.fleet();
        String target = to.orElse(null);
        List<String> problems = problems(lock, view, hosts, target);
        List<String> steps = view.free() ? List.of() : steps(lock, view, hosts, target);
        return new FailoverPlan(lock, view.holderHost(), view.token(), target, steps, problems);
    }

    private static List<String> problems(String lock, LockView view, List<HostInventory> hosts, String target) {
        List<String> problems = new ArrayList<>();
        if (view.free()) {
            problems.add("nobody holds lock " + lock + ": nothing to hand over");
            return problems;
        }
        FailoverRequest pending = view.activeRequest();
        if (pending != null) {
            problems.add("a switchover is already pending " + pending.describe());
        }
        if (target == null) {
            boolean anyReady = candidates(lock, hosts).stream()
                    .anyMatch(c -> c.ready() && !c.host().equals(view.holderHost()));
            if (!anyReady) {
                problems.add("no other host reports itself ready to take lock " + lock);
            }
            return problems;
        }
        if (target.equals(view.holderHost())) {
            problems.add(target + " already holds lock " + lock);
            return problems;
        }
        Optional<Candidate> candidate = candidates(lock, hosts).stream().filter(c -> c.host().equals(target)).findFirst();
        if (candidate.isEmpty()) {
            problems.add("no live host named " + target + " takes part in lock " + lock);
        } else if (!candidate.get().ready()) {
            problems.add(target + " reports it is not ready (its readiness check fails): it would not take over");
        }
        return problems;
    }

    private List<String> steps(String lock, LockView view, List<HostInventory> hosts, String target) {
        String holder = view.holderHost();
        String program = view.holder().program();
        String who = target == null ? "the first ready standby" : target;
        List<String> steps = new ArrayList<>();
        steps.add("write " + settings.keyPrefix() + "failover/" + lock + " naming " + holder + " (token " + view.token()
                + ") and " + (target == null ? "any ready standby" : target) + ", on its own lease of "
                + ClusterSettings.show(settings.failoverTimeout()) + "; until it expires " + holder
                + " does not campaign" + (target == null ? "" : " and only " + target + " may take the lock"));
        IdentityHooks identity = identities.get(lock);
        if (identity == null) {
            steps.add(holder + " stops " + program + " and waits until it has exited (at most its stop timeout)");
        } else {
            steps.add(holder + " runs the release hook (" + String.join(" ", identity.release()) + ") until it exits 0"
                    + " (at most " + ClusterSettings.show(identity.timeout()) + "); should it fail, " + holder + " stops "
                    + program + " and waits until it has exited");
        }
        steps.add(holder + " deletes " + settings.keyPrefix() + "locks/" + lock + " if its token is still "
                + view.token() + ", and stays standby (starting its standby program, if it has one)");
        steps.add(who + " takes the lock" + (target == null ? " after 0-" + ClusterSettings.show(settings.takeoverJitter())
                + " of jitter; candidates: " + describe(candidates(lock, hosts), holder)
                : " at once, without jitter (" + describe(candidates(lock, hosts).stream()
                .filter(c -> c.host().equals(target)).toList(), holder) + ")")
                + "; its fencing token will be greater than " + view.token());
        if (identity == null) {
            steps.add(who + " stops its standby program, sees it exit, and starts " + program + " with "
                    + ExclusiveProgramControl.FENCING_TOKEN_ENV + "=<new token>, then deletes the request");
        } else {
            steps.add(who + (identity.verifyReleased() == null ? "" : " runs verify_released until " + holder
                    + " is seen passive, then") + " runs the acquire hook (" + String.join(" ", identity.acquire())
                    + ") with " + ExclusiveProgramControl.FENCING_TOKEN_ENV + "=<new token>; " + program
                    + " keeps running on both hosts; then it deletes the request");
        }
        return steps;
    }

    private record Candidate(String host, boolean ready) {
    }

    private static List<Candidate> candidates(String lock, List<HostInventory> hosts) {
        List<Candidate> candidates = new ArrayList<>();
        for (HostInventory host : hosts) {
            if (host.locks() == null) {
                continue;
            }
            host.locks().stream().filter(l -> lock.equals(l.lock())).findFirst()
                    .ifPresent(l -> candidates.add(new Candidate(host.host(), l.ready())));
        }
        return candidates;
    }

    private static String describe(List<Candidate> candidates, String holder) {
        List<String> parts = candidates.stream().filter(c -> !c.host().equals(holder))
                .map(c -> c.host() + (c.ready() ? " (ready)" : " (not ready)")).toList();
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** Plans (on the caller's thread), writes the request, then waits on the cluster thread for the new holder. */
    CompletableFuture<FailoverResult> start(String lock, Optional<String> to) {
        LockView view = read(lock);
        FailoverPlan plan = plan(lock, view, to);
        if (!plan.feasible()) {
            return CompletableFuture.failedFuture(new ClusterException(String.join("; ", plan.problems())));
        }
        long started = System.nanoTime();
        FailoverRequest request = new FailoverRequest(UUID.randomUUID().toString(), plan.holder(), plan.holderToken(),
                plan.target(), settings.host(), Instant.now().toString());
        long ttlSeconds = ClusterSettings.roundUpToSeconds(settings.failoverTimeout()).getSeconds();
        return EtcdCalls.within(leases.grant(ttlSeconds), settings.retryTimeout())
                .thenCompose(lease -> store(lock).request(request, view.revision(), lease.getID()))
                .thenCompose(written -> {
                    if (!written) {
                        throw new ClusterException("the holder changed or another switchover is pending: plan again");
                    }
                    CompletableFuture<FailoverResult> done = new CompletableFuture<>();
                    long deadline = started + settings.failoverTimeout().toNanos();
                    loop.execute(() -> awaitNewHolder(lock, plan, started, deadline, done));
                    return done;
                });
    }

    private void awaitNewHolder(String lock, FailoverPlan plan, long started, long deadline,
                                CompletableFuture<FailoverResult> done) {
        store(lock).read().whenCompleteAsync((view, error) -> {
            long now = System.nanoTime();
            if (view != null && !view.free() && view.token() != plan.holderToken()) {
                done.complete(new FailoverResult(lock, plan.holder(), view.holderHost(), view.token(),
                        Duration.ofNanos(now - started)));
            } else if (now > deadline) {
                done.completeExceptionally(new ClusterException("no host took lock " + lock + " within "
                        + ClusterSettings.show(settings.failoverTimeout()) + "; the request expires by itself"));
            } else {
                loop.schedule(() -> awaitNewHolder(lock, plan, started, deadline, done), POLL.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }, loop);
    }
}
