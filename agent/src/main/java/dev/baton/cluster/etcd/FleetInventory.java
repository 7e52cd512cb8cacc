package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.FleetCounts;
import dev.baton.cluster.FleetReadiness;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.ProgramInventory;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import dev.baton.time.Timestamps;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Publishes this host's inventory under {@code hosts/<host>}, bound to the lease (so a dead host's
 * entry vanishes with its lease), and reads everyone's. Publishing runs on the cluster thread: at a
 * new lease, shortly after {@link #changed()}, and every {@code inventory_refresh} when the content changed.
 */
final class FleetInventory implements LeaseKeeper.Listener {
    private static final Duration DEBOUNCE = Duration.ofMillis(100);

    private final ClusterSettings settings;
    private final KeySpace keys;
    private final KV kv;
    private final LeaseKeeper leases;
    private final InventorySource source;
    private final Supplier<List<LockInventory>> locks;
    private final ScheduledExecutorService loop;
    private final LastError lastError;
    private final AtomicBoolean publishPending = new AtomicBoolean();

    private HostInventory published; // content last written (updatedAt aside), null: must write
    private long publishedLease;
    private String updatedAt = Timestamps.format(Instant.now());
    private volatile FleetCounts counts = FleetCounts.EMPTY;
    private volatile List<HostInventory> lastView = List.of();

    FleetInventory(ClusterSettings settings, KeySpace keys, KV kv, LeaseKeeper leases, InventorySource source,
                   Supplier<List<LockInventory>> locks, ScheduledExecutorService loop, LastError lastError) {
        this.settings = settings;
        this.keys = keys;
        this.kv = kv;
        this.leases = leases;
        this.source = source;
        this.locks = locks;
        this.loop = loop;
        this.lastError = lastError;
    }

    void start() {
        long period = settings.inventoryRefresh().toMillis();
        loop.scheduleWithFixedDelay(() -> {
            publish();
            refreshCounts();
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** Something in the inventory changed: publish soon. Any thread; never blocks. */
    void changed() {
        if (publishPending.compareAndSet(false, true)) {
            try {
                loop.schedule(() -> {
                    publishPending.set(false);
                    publish();
                }, DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed: nothing to publish any more
            }
        }
    }

    @Override
    public void leaseGranted(long leaseId) {
        publish();
    }

    @Override
    public void leaseLost(long leaseId, String reason) {
        published = null;
    }

    private void publish() {
        long lease = leases.leaseId();
        if (lease == 0) {
            return;
        }
        LocalInventory local = source.snapshot();
        HostInventory content = new HostInventory(settings.host(), local.agentVersion(), local.programs(),
                local.groupReleases(), locks.get(), null, local.groupPublished(),
                settings.failsafe() == null ? null : settings.failsafe().peerAddress());
        if (content.equals(published) && lease == publishedLease) {
            return;
        }
        if (!content.equals(published)) {
            updatedAt = Timestamps.format(Instant.now());
        }
        published = content;
        publishedLease = lease;
        HostInventory entry = new HostInventory(content.host(), content.agentVersion(), content.programs(),
                content.groupReleases(), content.locks(), updatedAt, content.groupPublished(), content.peerAddress());
        CompletableFuture<?> put = kv.put(keys.host(settings.host()), ByteSequence.from(Json.write(entry)),
                PutOption.builder().withLeaseId(lease).build());
        EtcdCalls.within(put, settings.retryTimeout()).whenCompleteAsync((ok, error) -> {
            if (error != null) {
                lastError.record("publishing the inventory", error);
                published = null; // write again at the next chance
            }
        }, loop);
    }

    /** Every host's inventory, sorted by host. Blocks up to the retry timeout. */
    List<HostInventory> fleet() {
        List<HostInventory> hosts = EtcdCalls.await(read(), settings.retryTimeout(), "reading the fleet");
        counts = count(hosts);
        lastView = hosts;
        return hosts;
    }

    CompletableFuture<List<HostInventory>> read() {
        GetOption prefix = GetOption.builder().isPrefix(true).build();
        return kv.get(keys.hostsPrefix(), prefix).thenApply(response -> response.getKvs().stream()
                .map(KeyValue::getValue)
                .map(value -> Json.readOrNull(value.getBytes(), HostInventory.class))
                .filter(Objects::nonNull)
                .sorted(Comparator.comparing(HostInventory::host))
                .toList());
    }

    /** Every host's inventory as last read from etcd (the failsafe's view of the fleet); empty before a read. */
    List<HostInventory> lastView() {
        return lastView;
    }

    FleetCounts counts() {
        return counts;
    }

    private void refreshCounts() {
        EtcdCalls.within(read(), settings.retryTimeout()).whenComplete((hosts, error) -> {
            if (error == null) {
                counts = count(hosts);
                lastView = hosts;
            }
        });
    }

    static FleetCounts count(List<HostInventory> hosts) {
        Map<String, Integer> versions = new TreeMap<>();
        Map<String, Integer> states = new TreeMap<>();
        int held = 0;
        for (HostInventory host : hosts) {
            versions.merge(String.valueOf(host.agentVersion()), 1, Integer::sum);
            for (ProgramInventory program : nullSafe(host.programs())) {
                states.merge(String.valueOf(program.state()), 1, Integer::sum);
            }
            for (LockInventory lock : nullSafe(host.locks())) {
                if (lock.role() == LockRole.HOLDER) {
                    held++;
                }
            }
        }
        return new FleetCounts(hosts.size(), versions, states, held, FleetReadiness.of(hosts));
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}
