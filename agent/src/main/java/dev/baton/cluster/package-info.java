/**
 * The cluster part of baton: an etcd-backed fleet inventory and exclusive programs (one validator
 * identity never runs on two hosts at once). Loaded only when {@code [cluster]} is configured.
 *
 * <h2>What the agent sees</h2>
 * {@link dev.baton.cluster.Cluster} (start, status, fleet, plan/failover, close) and plain records;
 * no jetcd type appears in them, and {@link dev.baton.cluster.Cluster#start} loads the jetcd-backed
 * {@code dev.baton.cluster.etcd.ClusterNode} by name, from {@code baton-cluster.jar}. The agent gives the cluster an
 * {@link dev.baton.cluster.ExclusiveProgramControl} (start / stop-and-confirm-exit through the
 * supervisor's event loop), an {@link dev.baton.cluster.InventorySource} and
 * {@link dev.baton.cluster.EngineRoles}.
 *
 * <h2>Keys</h2>
 * Under the prefix (default {@code /baton/}): {@code hosts/<host>} (inventory JSON, on the host's
 * lease), {@code locks/<lock>} (holder record with its fencing token, on the holder's lease),
 * {@code tokens/<lock>} (the last fencing token issued, on no lease), {@code failover/<lock>} (a
 * switchover request, on its own short lease). Each host also keeps the highest token it has held or
 * seen in its state directory ({@code fencing-floor.<lock>}): tokens grow even across a loss of etcd's data.
 *
 * <h2>Timing</h2>
 * The lease is renewed with {@code keepAliveOnce} every {@code renew_interval}, each call bounded by
 * {@code retry_timeout} and retried; it counts as held until a local monotonic deadline,
 * send time of the last confirmed renewal + ttl (never later than etcd's own expiry). Rules checked
 * by validation: {@code renew + 2 x retry <= ttl} (Patroni), and for each exclusive program
 * {@code renew + 2 x retry + stop_timeout + fence_margin <= ttl}: the holder starts stopping its
 * program at {@code deadline - stop_timeout - fence_margin}, so it has exited before the lease can
 * expire, and a renewal and its retry may both time out before that point comes (a timed-out call is
 * retried at once). Defaults: ttl 15s, renew 2s,
 * retry 2s, fence margin 1s (room for a stop timeout of up to 7s), jitter 0-1s.
 *
 * <h2>Why it is safe</h2>
 * A standby can create the lock key only after etcd expired or deleted the holder's key: expiry comes
 * after the holder's local deadline, and the holder's program has exited before that deadline; a
 * deletion is done by the holder after its program exited (switchover, shutdown, fencing). A host
 * takes no lock during one ttl after each lease etcd grants it (counted from the answer): etcd may
 * have lost a holder's key meanwhile (lost data, a lease revoked by hand), and a holder etcd forgot has
 * fenced itself by then. Never delete lock keys or revoke leases by hand: use {@code baton failover}.
 * The argument, the Promela model that checks it ({@code model/lock.pml}) and what each fault costs
 * are in {@code docs/cluster.md}.
 *
 * <h2>What it cannot cover: a paused agent</h2>
 * Fencing needs the agent to run. A SIGSTOPped or frozen agent (or a host suspended: the monotonic
 * clock stops while etcd's keeps going) renews nothing and fences nothing, while its program keeps
 * running: etcd expires the lease and a standby takes over, so two would run. The systemd watchdog
 * covers a paused agent: the agent pings (every {@code WatchdogSec/2}, from its event loop) only while
 * {@link dev.baton.cluster.Cluster#heartbeatAge()} is below {@code WatchdogSec/2}; with
 * {@code WatchdogSignal=SIGKILL} (the one signal a stopped process cannot postpone) systemd kills the
 * agent at most {@code WatchdogSec} after the last ping, and its programs die with it (every program is
 * spawned with a parent-death SIGKILL). A standby cannot start before {@code stop_timeout + fence_margin}
 * after the agent stopped running, so choose {@code 1.5 x WatchdogSec <= stop_timeout + fence_margin}
 * (README, cluster mode). A frozen VM or host needs a hardware or hypervisor watchdog (softdog), as in
 * Patroni.
 */
package dev.baton.cluster;
