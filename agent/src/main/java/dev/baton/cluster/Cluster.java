package dev.baton.cluster;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The agent's only handle on the cluster. This interface and the records it uses carry no etcd types:
 * the agent loads jetcd (~25 MB, 0.6 s) only through {@link #start}, and only when {@code [cluster]} is configured
 * (from {@code baton-cluster.jar}, see {@link EtcdImplementation}).
 */
public interface Cluster extends AutoCloseable {

    /** Everything wrong with this configuration, one "key: sentence" per problem. */
    static List<String> validate(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive) {
        List<String> problems = new ArrayList<>(ClusterSettings.validate(settings));
        problems.addAll(ExclusiveProgramSettings.validateAll(exclusive, settings));
        return problems;
    }

    /**
     * Connects to etcd and starts the lease, the inventory and one lock per exclusive program, in the
     * background: returns at once, also when etcd is unreachable (it keeps trying).
     *
     * @param stateDir the agent's state directory: each lock's fencing-token floor lives there
     * @throws IllegalArgumentException when {@link #validate} finds problems
     * @throws ClusterException         when a fencing-token floor in {@code stateDir} is unreadable
     */
    static Cluster start(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive, Path stateDir,
                         ExclusiveProgramControl control, InventorySource inventory, EngineRoles roles) {
        List<String> problems = validate(settings, exclusive);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        try {
            // By name, so that loading this interface never links the jetcd-backed implementation.
            return EtcdImplementation.open(settings, exclusive, stateDir, control, inventory, roles);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ClusterException refused) {
                throw refused;
            }
            throw new ClusterException("cannot start the cluster: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ClusterException("the cluster implementation is missing from this build: " + e.getMessage(), e);
        }
    }

    ClusterStatus status();

    /** Every host's inventory, read from etcd now, sorted by host. @throws ClusterException when etcd cannot be read */
    List<HostInventory> fleet();

    /** Counts from the last fleet read (refreshed in the background): cheap, for metrics. */
    FleetCounts fleetCounts();

    /** The locks this host takes part in. */
    List<String> locks();

    /** The dry run of a switchover: reads etcd, changes nothing. @throws ClusterException when etcd cannot be read */
    FailoverPlan plan(String lock, Optional<String> toHost);

    /**
     * Planned switchover: asks the holder (through etcd) to stop its program, confirm its exit and
     * release the lock, for {@code toHost} or any ready standby to take it. Completes when the new
     * holder has the lock; fails with {@link ClusterException} when the plan is refused or the
     * switchover does not finish within the failover timeout.
     */
    CompletableFuture<FailoverResult> failover(String lock, Optional<String> toHost);

    default FailoverPlan plan(Optional<String> toHost) {
        return plan(onlyLock(), toHost);
    }

    default CompletableFuture<FailoverResult> failover(Optional<String> toHost) {
        return failover(onlyLock(), toHost);
    }

    private String onlyLock() {
        List<String> locks = locks();
        if (locks.size() != 1) {
            throw new ClusterException("this host has " + locks.size() + " exclusive locks " + locks + ": name one");
        }
        return locks.get(0);
    }

    /**
     * How long ago the cluster thread (which also runs the fencing timers) last ran. The agent's
     * systemd watchdog should ping only while this stays well below WatchdogSec: a stalled cluster
     * thread cannot fence (see the package documentation).
     */
    Duration heartbeatAge();

    /** The agent's inventory changed (a program's state, version or role): publish it soon. Never blocks. */
    void inventoryChanged();

    /**
     * Stops the exclusive programs this host holds (confirming their exit), releases their locks,
     * revokes the lease and disconnects. Bounded by the programs' stop timeouts plus a few seconds.
     */
    @Override
    void close();
}
