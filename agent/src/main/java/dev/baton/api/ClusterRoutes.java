package dev.baton.api;

import dev.baton.cluster.BuildDrift;
import dev.baton.cluster.Cluster;
import dev.baton.cluster.FleetReadiness;
import dev.baton.cluster.FleetWarnings;
import dev.baton.cluster.ClusterException;
import dev.baton.cluster.ClusterStatus;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FailoverResult;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockStatus;
import dev.baton.control.Control;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The etcd cluster: this host's part ({@code GET /v1/cluster}), every host's inventory
 * ({@code GET /v1/fleet}) and the planned switchover ({@code POST /v1/cluster/failover}). Only the
 * {@link Cluster} interface is used: these routes load no etcd class. Without {@code [cluster]} they
 * answer 404.
 */
final class ClusterRoutes {
    private final Control control;

    ClusterRoutes(Control control) {
        this.control = control;
    }

    void register(Router router) {
        router.get("/v1/cluster", this::status)
                .get("/v1/fleet", ErrorHandler.blocking(this::fleet))
                .post("/v1/cluster/failover", ErrorHandler.blocking(this::failover));
    }

    // ---- documents ----

    record Status(String host, boolean connected, long leaseId, long leaseRemainingMs, long heartbeatAgeMs,
                  String lastError, List<Lock> locks, List<Identity> identities) {
    }

    /** Warm standby: where a program's identity stands on this host. */
    record Identity(String lock, String program, String state, long hookFailures, String lastFailure) {
    }

    record Lock(String lock, String program, String role, boolean ready, String holder, long holderToken,
                long fencingToken, String standbyProgram, String pendingFailover, String lastChange,
                LockStatus.Failsafe failsafe) {
    }

    /**
     * {@code readiness}: per engine group, hosts ready for its next version; {@code drift}: one version, several
     * builds; {@code warnings}: dangerous lock states in words ({@link FleetWarnings}).
     */
    record Fleet(int hosts, List<Host> fleet, List<FleetReadiness.Group> readiness, List<BuildDrift.Drift> drift,
                 List<String> warnings) {
    }

    record Host(String host, String agentVersion, List<Program> programs, Map<String, String> groupReleases,
                Map<String, String> groupPublished, List<HostLock> locks, String updatedAt) {
    }

    record Program(String name, String version, String state, String role, String group, String sha256) {
    }

    /** {@code identity}: null without identity hooks; {@code failsafe}: null with failsafe off (both: or an older agent). */
    record HostLock(String lock, String program, String role, boolean ready, long fencingToken,
                    LockInventory.Identity identity, LockInventory.Failsafe failsafe) {
    }

    record Plan(boolean dryRun, boolean feasible, String lock, String holder, long holderToken, String target,
                List<String> steps, List<String> problems, String text) {
    }

    record Result(boolean dryRun, String lock, String previousHolder, String newHolder, long newToken, long elapsedMs) {
    }

    // ---- handlers ----

    private Cluster cluster() {
        Optional<Cluster> cluster = control.cluster();
        if (cluster.isPresent()) {
            return cluster.get();
        }
        String problem = control.clusterProblem();
        if (problem != null) {
            throw ApiException.unavailable("the cluster is configured but did not start: " + problem);
        }
        throw ApiException.notFound("this agent runs without a cluster (no [cluster] section in its config)");
    }

    private void status(HttpServerExchange exchange) {
        Cluster cluster = cluster();
        ClusterStatus s = cluster.status();
        Json.send(exchange, 200, new Status(s.host(), s.connected(), s.leaseId(), s.leaseRemaining().toMillis(),
                cluster.heartbeatAge().toMillis(), s.lastError(), s.locks().stream().map(ClusterRoutes::lock).toList(),
                s.identities().stream().map(i -> new Identity(i.lock(), i.program(), i.state().name(), i.hookFailures(),
                        i.lastFailure())).toList()));
    }

    private static Lock lock(LockStatus l) {
        return new Lock(l.lock(), l.program(), l.role().name(), l.ready(), l.holder(), l.holderToken(), l.fencingToken(),
                l.standbyProgram(), l.pendingFailover(), l.lastChange(), l.failsafe());
    }

    /** Reads etcd (bounded by the cluster's retry timeout): on a worker thread. */
    private void fleet(HttpServerExchange exchange) {
        Cluster cluster = cluster();
        List<HostInventory> hosts;
        try {
            hosts = cluster.fleet();
        } catch (ClusterException e) {
            throw ApiException.unavailable("cannot read the fleet from etcd: " + e.getMessage());
        }
        Json.send(exchange, 200, new Fleet(hosts.size(), hosts.stream().map(ClusterRoutes::host).toList(),
                FleetReadiness.of(hosts), BuildDrift.of(hosts), FleetWarnings.of(hosts)));
    }

    private static Host host(HostInventory h) {
        return new Host(h.host(), h.agentVersion(),
                h.programs() == null ? List.of() : h.programs().stream()
                        .map(p -> new Program(p.name(), p.version(), p.state(), p.role(), p.group(), p.sha256())).toList(),
                h.groupReleases() == null ? Map.of() : h.groupReleases(),
                h.groupPublished() == null ? Map.of() : h.groupPublished(),
                h.locks() == null ? List.of() : h.locks().stream()
                        .map(l -> new HostLock(l.lock(), l.program(), l.role() == null ? null : l.role().name(), l.ready(),
                                l.fencingToken(), l.identity(), l.failsafe())).toList(),
                h.updatedAt());
    }

    /**
     * {@code ?to=HOST} (default: any ready standby), {@code ?lock=NAME} (default: this host's only
     * lock), {@code ?dry_run=true}: the plan only. A switchover answers when the new holder has the
     * lock (at most the cluster's failover_timeout); a refused plan is 409 with its reasons.
     */
    private void failover(HttpServerExchange exchange) {
        Cluster cluster = cluster();
        Optional<String> to = Optional.ofNullable(blankToNull(Requests.query(exchange, "to")));
        String lock = blankToNull(Requests.query(exchange, "lock"));
        boolean dryRun = bool(Requests.query(exchange, "dry_run"));
        FailoverPlan plan;
        try {
            plan = lock == null ? cluster.plan(to) : cluster.plan(lock, to);
        } catch (ClusterException e) {
            throw cluster.locks().size() != 1 && lock == null
                    ? ApiException.badRequest(e.getMessage() + " (?lock=NAME)")
                    : ApiException.unavailable("cannot plan the switchover: " + e.getMessage());
        }
        if (dryRun) {
            Json.send(exchange, 200, plan(plan, true));
            return;
        }
        if (!plan.feasible()) {
            throw ApiException.conflict("switchover refused: " + String.join("; ", plan.problems()));
        }
        CompletableFuture<FailoverResult> result = cluster.failover(plan.lock(), to);
        Operators.record(control, exchange, "failover of lock " + plan.lock() + to.map(h -> " to " + h).orElse(""), null);
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> result.whenCompleteAsync((r, t) -> {
            if (t != null) {
                Throwable cause = t.getCause() != null && !(t instanceof ClusterException) ? t.getCause() : t;
                ErrorHandler.fail(exchange, cause instanceof ClusterException
                        ? ApiException.conflict("switchover failed: " + cause.getMessage()) : cause);
            } else {
                Json.send(exchange, 200, new Result(false, r.lock(), r.previousHolder(), r.newHolder(), r.newToken(),
                        r.elapsed().toMillis()));
            }
        }, exchange.getIoThread()));
    }

    private static Plan plan(FailoverPlan p, boolean dryRun) {
        return new Plan(dryRun, p.feasible(), p.lock(), p.holder(), p.holderToken(), p.target(), p.steps(), p.problems(),
                p.render());
    }

    private static boolean bool(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.trim()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ApiException.badRequest("dry_run must be true or false");
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
