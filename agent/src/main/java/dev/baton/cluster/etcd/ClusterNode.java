package dev.baton.cluster.etcd;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterException;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ClusterStatus;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.ExclusiveProgramControl;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FailoverResult;
import dev.baton.cluster.FleetCounts;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.IdentityControl;
import dev.baton.cluster.IdentityHooks;
import dev.baton.cluster.IdentityStatus;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockStatus;
import dev.baton.cluster.ReadinessChecks;
import dev.baton.cluster.ReadinessProbe;
import dev.baton.cluster.SafeMoment;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jetcd-backed {@link Cluster}: one etcd client, one lease, the fleet inventory and one
 * {@link ExclusiveLock} per exclusive program. Two threads of its own: the cluster loop (never
 * blocks: every etcd call is asynchronous and time-limited) and the readiness probe thread.
 */
public final class ClusterNode implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final ClusterSettings settings;
    private final Client client;
    private final ScheduledExecutorService loop;
    private final ScheduledExecutorService probes;
    private final LastError lastError = new LastError();
    private final LeaseKeeper leases;
    private final Map<String, ExclusiveLock> locks = new LinkedHashMap<>();
    private final FleetInventory inventory;
    private final Switchover switchover;
    private final List<Watch.Watcher> watchers = new ArrayList<>();
    private final Duration stopBudget;
    private final IdentityControl identities;
    private final Map<String, SafeMoment> safeMoments = new LinkedHashMap<>();
    private final FailsafeServer failsafeServer; // null: failsafe off
    private volatile long heartbeatNanos = System.nanoTime();
    private final AtomicBoolean closing = new AtomicBoolean();

    /** Reflective entry point of {@link Cluster#start}. */
    public static Cluster open(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive, Path stateDir,
                        ExclusiveProgramControl control, InventorySource inventory, EngineRoles roles) {
        ClusterNode node = new ClusterNode(settings, exclusive, stateDir, control, inventory, roles);
        node.start();
        return node;
    }

    ClusterNode(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive, Path stateDir,
                ExclusiveProgramControl control, InventorySource source, EngineRoles roles) {
        this.settings = settings;
        // Warm standby locks move an identity by hooks; the lock protocol below is the same for both modes.
        this.identities = new IdentityControl(exclusive, settings, control);
        control = identities;
        for (ExclusiveProgramSettings p : exclusive) {
            if (p.safeMoment() != null) {
                safeMoments.put(p.lock(), new SafeMoment(p, control, settings));
            }
        }
        // Read before connecting: a floor that cannot be read stops the start (see FencingFloor.open).
        Map<String, FencingFloor> floors = new LinkedHashMap<>();
        exclusive.forEach(p -> floors.put(p.lock(), FencingFloor.open(stateDir, p.lock())));
        this.client = EtcdClients.connect(settings);
        this.loop = Executors.newSingleThreadScheduledExecutor(daemon("baton-cluster-" + settings.host()));
        this.probes = Executors.newSingleThreadScheduledExecutor(daemon("baton-cluster-probe-" + settings.host()));
        KeySpace keys = new KeySpace(settings.keyPrefix());
        this.leases = new LeaseKeeper(client.getLeaseClient(), settings, loop, lastError);
        this.inventory = new FleetInventory(settings, keys, client.getKVClient(), leases, source,
                this::lockInventory, loop, lastError);
        identities.onChange(inventory::changed);
        SSLContext peerTls = settings.failsafe() == null ? null : PeerTls.context(settings.failsafe().tls());
        FailsafeClient peers = peerTls == null ? null : new FailsafeClient(peerTls, settings.retryTimeout());
        for (ExclusiveProgramSettings program : exclusive) {
            ReadinessProbe probe = new ReadinessProbe(program.lock(), ReadinessChecks.of(program.readiness(), roles, control),
                    settings.checkInterval(), ReadinessChecks.timeout(program.readiness()));
            probe.schedule(probes, settings.checkInterval());
            LockStore store = new LockStore(client.getKVClient(), keys, program.lock(), settings.retryTimeout());
            locks.put(program.lock(), new ExclusiveLock(program, settings, store, floors.get(program.lock()), leases,
                    control, probe, loop,
                    lastError, inventory::changed,
                    new Failsafe(program.lock(), settings, peers, inventory::lastView)));
        }
        if (settings.failsafe() != null) {
            leases.retainWhile(() -> locks.values().stream().anyMatch(ExclusiveLock::runsOnPromises),
                    EtcdClients.backoffReset(client));
        }
        this.stopBudget = exclusive.stream().map(p -> p.fenceBudget(settings)).max(Duration::compareTo)
                .orElse(Duration.ZERO).plus(settings.checkInterval());
        Map<String, IdentityHooks> identityLocks = new LinkedHashMap<>();
        exclusive.stream().filter(p -> p.identity() != null).forEach(p -> identityLocks.put(p.lock(), p.identity()));
        this.switchover = new Switchover(settings, keys, client.getKVClient(), client.getLeaseClient(), inventory, loop,
                identityLocks);
        leases.addListener(inventory);
        locks.values().forEach(leases::addListener);
        try {
            this.failsafeServer = peerTls == null ? null : new FailsafeServer(
                    settings.failsafe().listen(), peerTls, settings.retryTimeout(), this::answer);
        } catch (ClusterException e) {
            shutdown(); // the peer port is taken: nothing of this node may linger
            throw e;
        }
        if (!locks.isEmpty()) {
            watch(keys.locksPrefix());
            watch(keys.failoverPrefix());
        }
    }

    /** Each lock's part for the fleet, with its warm-standby identity. On the cluster thread. */
    private List<LockInventory> lockInventory() {
        return locks.values().stream().map(lock -> {
            LockInventory part = lock.inventory();
            IdentityStatus identity = identities.status(part.lock());
            return identity == null ? part : new LockInventory(part.lock(), part.program(), part.role(), part.ready(),
                    part.fencingToken(), LockInventory.Identity.of(identity), part.failsafe());
        }).toList();
    }

    /** A failsafe request from another member, answered by the lock on the cluster thread. */
    private CompletableFuture<FailsafeAnswer> answer(FailsafeRequest request) {
        ExclusiveLock lock = locks.get(request.lock());
        if (lock == null) {
            return CompletableFuture.completedFuture(
                    FailsafeAnswer.refuse(settings.host() + " takes no part in lock " + request.lock()));
        }
        try {
            return CompletableFuture.supplyAsync(() -> lock.answer(request), loop);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(FailsafeAnswer.refuse(settings.host() + " is shutting down"));
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Lock and request changes wake the locks at once; the periodic check is the fallback. */
    private void watch(ByteSequence prefix) {
        WatchOption option = WatchOption.builder().isPrefix(true).build();
        watchers.add(client.getWatchClient().watch(prefix, option, Watch.listener(
                response -> loop.execute(() -> locks.values().forEach(ExclusiveLock::tick)),
                error -> LOG.debug("watch on {} failed: {}", prefix, error.toString()))));
    }

    void start() {
        loop.scheduleWithFixedDelay(() -> heartbeatNanos = System.nanoTime(), 0, 100, TimeUnit.MILLISECONDS);
        loop.execute(() -> {
            locks.values().forEach(ExclusiveLock::start);
            inventory.start();
            leases.start();
        });
    }

    @Override
    public ClusterStatus status() {
        List<LockStatus> lockStatus = locks.values().stream().map(ExclusiveLock::status).toList();
        return new ClusterStatus(settings.host(), leases.leaseId(), leases.remaining(), lastError.message(), lockStatus,
                identities.status());
    }

    @Override
    public List<HostInventory> fleet() {
        return inventory.fleet();
    }

    @Override
    public FleetCounts fleetCounts() {
        return inventory.counts();
    }

    @Override
    public List<String> locks() {
        return List.copyOf(locks.keySet());
    }

    @Override
    public FailoverPlan plan(String lock, Optional<String> toHost) {
        FailoverPlan plan = switchover.plan(lock, toHost);
        SafeMoment moment = safeMoments.get(lock);
        return moment == null ? plan : moment.addTo(plan);
    }

    @Override
    public CompletableFuture<FailoverResult> failover(String lock, Optional<String> toHost) {
        SafeMoment moment = safeMoments.get(lock);
        if (moment == null) {
            return startSwitchover(lock, toHost);
        }
        // Waits up to failover_timeout for the check: on a thread of its own, not the cluster loop.
        return CompletableFuture.runAsync(() -> {
            FailoverPlan plan = moment.addTo(switchover.plan(lock, toHost));
            if (!plan.feasible()) {
                throw new ClusterException(String.join("; ", plan.problems()));
            }
            moment.await(plan);
        }, runnable -> {
            Thread thread = new Thread(runnable, "baton-safe-moment-" + lock);
            thread.setDaemon(true);
            thread.start();
        }).thenCompose(ignored -> startSwitchover(lock, toHost));
    }

    private CompletableFuture<FailoverResult> startSwitchover(String lock, Optional<String> toHost) {
        try {
            return switchover.start(lock, toHost);
        } catch (ClusterException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Duration heartbeatAge() {
        return Duration.ofNanos(System.nanoTime() - heartbeatNanos);
    }

    @Override
    public void inventoryChanged() {
        if (!closing.get()) {
            inventory.changed();
        }
    }

    /** The monotonic instant (System.nanoTime) the lease must be considered gone; for tests. */
    long leaseDeadlineNanos() {
        LeaseKeeper.Tenure t = leases.tenure();
        return t == null ? 0 : t.deadlineNanos();
    }

    long lastConfirmedRenewalNanos() {
        return leases.lastConfirmedNanos();
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        Duration etcdBudget = settings.retryTimeout().multipliedBy(2);
        try {
            CompletableFuture.supplyAsync(() -> CompletableFuture.allOf(locks.values().stream()
                            .map(ExclusiveLock::close).toArray(CompletableFuture[]::new)), loop)
                    .thenCompose(f -> f)
                    .get(stopBudget.plus(etcdBudget).toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture.supplyAsync(() -> leases.stop(true), loop).thenCompose(f -> f)
                    .get(etcdBudget.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cluster shutdown incomplete: {}", EtcdCalls.describe(e));
        } finally {
            shutdown();
        }
    }

    /**
     * Tests: the host dies. No stop, no release, no revoke; the lease expires in etcd by itself.
     * (The test kills the host's program itself, as the death of the host would.)
     */
    void crash() {
        loop.shutdownNow();
        shutdown();
    }

    private void shutdown() {
        identities.close();
        if (failsafeServer != null) {
            failsafeServer.close();
        }
        watchers.forEach(Watch.Watcher::close);
        loop.shutdownNow();
        probes.shutdownNow();
        client.close();
    }
}
