package dev.baton.metrics;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterStatus;
import dev.baton.cluster.FleetCounts;
import dev.baton.cluster.FleetReadiness;
import dev.baton.cluster.IdentityState;
import dev.baton.cluster.IdentityStatus;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.LockStatus;
import dev.baton.metrics.Family.Counter;
import dev.baton.metrics.Family.Gauge;
import dev.baton.metrics.Family.Info;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster families ({@code baton_cluster_*}, {@code baton_fleet_*}), only when {@code [cluster]} is
 * configured. Everything comes from the cluster's cached state (its status and the fleet counts of
 * its last background read): a scrape never waits for etcd.
 */
final class ClusterMetrics {
    private static final LockRole[] ROLES = LockRole.values();
    private static final IdentityState[] IDENTITY_STATES = IdentityState.values();

    private ClusterMetrics() {
    }

    static List<Family> collect(Cluster cluster, LabelCache labels) {
        ClusterStatus s = cluster.status();
        FleetCounts counts = cluster.fleetCounts();
        Gauge connected = new Gauge("baton_cluster_connected",
                "1 while this host has an etcd lease and its last etcd call succeeded, else 0")
                .add(s.connected(), Labels.EMPTY);
        Gauge lease = new Gauge("baton_cluster_lease_remaining_seconds",
                "Time left on this host's lease by its local monotonic deadline (last confirmed renewal + ttl); 0 without a lease")
                .add(s.leaseRemaining().toMillis() / 1000.0, Labels.EMPTY);
        Gauge heartbeat = new Gauge("baton_cluster_heartbeat_age_seconds",
                "How long ago the cluster thread (which runs the fencing timers) last ran")
                .add(cluster.heartbeatAge().toMillis() / 1000.0, Labels.EMPTY);
        Gauge role = new Gauge("baton_cluster_lock_role",
                "1 for this host's current role in the exclusive lock, 0 for each other role");
        Gauge ready = new Gauge("baton_cluster_lock_ready",
                "1 when this host's readiness check for the lock passes (it would take over), else 0");
        Info holder = new Info("baton_cluster_lock_holder",
                "The host holding the lock as this host last read it; absent while the lock is free");
        Gauge token = new Gauge("baton_cluster_lock_fencing_token",
                "The holder's fencing token (it only grows) as last read; 0 while the lock is free");
        Gauge failsafeActive = new Gauge("baton_cluster_failsafe_active",
                "1 while this holder runs its exclusive program on its members' failsafe promises (etcd unreachable"
                        + " past its lease deadline), else 0; only with [cluster] failsafe = true");
        Gauge confirmations = new Gauge("baton_cluster_failsafe_confirmations",
                "Members that promised in this holder's last failsafe round (of baton_cluster_failsafe_members)");
        Gauge members = new Gauge("baton_cluster_failsafe_members",
                "Members this holder asks for failsafe promises (the list it wrote to etcd)");
        Gauge promise = new Gauge("baton_cluster_failsafe_promise_remaining_seconds",
                "Time this host still promised a failsafe holder not to campaign for the lock; 0 without a promise");
        for (LockStatus l : s.locks()) {
            for (LockRole r : ROLES) {
                role.add(l.role() == r, labels.of("lock", l.lock(), "program", l.program(), "role", r.name()));
            }
            Labels lock = labels.of("lock", l.lock(), "program", l.program());
            ready.add(l.ready(), lock);
            if (l.failsafe() != null) {
                failsafeActive.add(l.failsafe().active(), lock);
                confirmations.add(l.failsafe().confirmations(), lock);
                members.add(l.failsafe().members() == null ? 0 : l.failsafe().members().size(), lock);
                promise.add(l.failsafe().promiseRemainingMs() / 1000.0, lock);
            }
            token.add(l.holderToken(), lock);
            if (l.holder() != null) {
                holder.add(labels.of("lock", l.lock(), "program", l.program(), "holder", l.holder()));
            }
        }
        Gauge identity = new Gauge("baton_cluster_identity_state",
                "Warm standby: 1 for the current state of the program's identity on this host (LIVE: acquired here),"
                        + " 0 for each other state");
        Counter hookFailures = new Counter("baton_cluster_identity_hook_failures",
                "Warm standby: identity hooks (acquire, release, verify_released) that failed or timed out since the agent started");
        for (IdentityStatus i : s.identities()) {
            for (IdentityState state : IDENTITY_STATES) {
                identity.add(i.state() == state, labels.of("lock", i.lock(), "program", i.program(), "state", state.name()));
            }
            hookFailures.add(i.hookFailures(), labels.of("lock", i.lock(), "program", i.program()));
        }
        Gauge hosts = new Gauge("baton_fleet_hosts", "Hosts with a live inventory entry in etcd, as this host last read them")
                .add(counts.hosts(), Labels.EMPTY);
        Gauge byVersion = new Gauge("baton_fleet_hosts_by_agent_version", "Hosts of the fleet per baton version");
        counts.hostsByAgentVersion().forEach((version, n) -> byVersion.add(n, labels.of("version", version)));
        Gauge byState = new Gauge("baton_fleet_programs", "Programs across the fleet per supervisor state");
        counts.programsByState().forEach((state, n) -> byState.add(n, labels.of("state", state)));
        Gauge held = new Gauge("baton_fleet_locks_held", "Exclusive locks whose holder is reported by some host")
                .add(counts.locksHeld(), Labels.EMPTY);
        Gauge groupHosts = new Gauge("baton_fleet_group_hosts", "Hosts of the fleet with an engine of the group");
        Gauge groupReady = new Gauge("baton_fleet_group_hosts_ready",
                "Hosts with an engine of the group's next version (newest published, else newest WAITING) or newer"
                        + " ACTIVE, SYNCING or WAITING; absent while the group has no next version");
        for (FleetReadiness.Group g : counts.readiness()) {
            groupHosts.add(g.hosts(), labels.of("group", g.group()));
            if (g.version() != null) {
                groupReady.add(g.ready(), labels.of("group", g.group(), "version", g.version(), "basis", g.basis()));
            }
        }
        List<Family> out = new ArrayList<>(List.of(connected, lease, heartbeat, role, ready, holder, token,
                failsafeActive, confirmations, members, promise, hosts, byVersion, byState, held, groupHosts, groupReady));
        if (!s.identities().isEmpty()) {
            out.add(identity);
            out.add(hookFailures);
        }
        return out;
    }
}
