package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramControl;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.LockStatus;
import dev.baton.cluster.ReadinessProbe;
import dev.baton.time.Timestamps;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exclusive program's lock on this host: campaigns while ready, runs the program while holding,
 * fences it before the lease can expire, hands over on request.
 *
 * <p>Acquisition is a transaction "create {@code locks/<lock>} if its create revision is 0 and
 * {@code tokens/<lock>} is still what we read", bound to our lease, writing the new fencing token into
 * both: one above the counter and above this host's {@link FencingFloor}, so it never goes backwards,
 * also when etcd lost its data (the counter with it). The key's create revision names the tenure in
 * later comparisons (release, switchover request). jetcd's Lock/Election would do the same
 * underneath, but their calls block server-side until granted and outlive our decision to stop
 * campaigning (readiness lost, a switchover naming another host, jitter): a plain transaction keeps
 * every attempt one short, time-limited call whose outcome we can read back.
 *
 * <p>Safety: the holder starts its program only with enough lease left, and stops it (and sees it
 * exit) when its local deadline minus {@link ExclusiveProgramSettings#fenceBudget} arrives: a timer on
 * the monotonic clock, re-armed from the {@link LeaseKeeper}'s deadline, never from etcd callbacks.
 * A standby can only take the key after etcd expired or deleted it, which is after that deadline.
 *
 * <p>All state lives on the cluster's single scheduler thread; callbacks hop back onto it and are
 * dropped when the role changed meanwhile ({@link #epoch}).
 */
final class ExclusiveLock implements LeaseKeeper.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ExclusiveLock.class);

    private final ExclusiveProgramSettings settings;
    private final ClusterSettings cluster;
    private final LockStore store;
    private final FencingFloor floor;
    private final LeaseKeeper leases;
    private final ExclusiveProgramControl control;
    private final ReadinessProbe probe;
    private final ScheduledExecutorService loop;
    private final LastError lastError;
    private final Runnable onChange;
    private final long fenceBudgetNanos;
    private final Failsafe failsafe;
    private boolean writingMembers;
    /**
     * Failsafe: etcd came back without our lease (it expired the key meanwhile) while the members' promises
     * still cover us: the program keeps running and the lock is taken again on a new lease (see {@link #retake}).
     */
    private volatile boolean retaking;

    private volatile LockRole role = LockRole.INITIALIZING;
    private volatile String lastChange = "starting";
    private volatile long token;
    private long keyRevision;
    private boolean raisingCounter;
    private long warnedBelowFloor;
    private volatile LockView seen;
    private long keyLease;
    private long campaignAtNanos = -1;
    private boolean busy;
    private int epoch;
    private ScheduledFuture<?> fenceTimer;
    private CompletableFuture<Void> closed;
    private LockInventory published;
    private long programDownSinceNanos = -1;
    /** The last other host seen holding the lock: the identity hooks' BATON_PREVIOUS_HOLDER. */
    private String previousHolder;
    private long holdOffUntilNanos = System.nanoTime();
    /** While this holder runs on failsafe promises: since when (wall clock, for people); on the loop thread. */
    private String onPromisesSince;
    /** The last such episode, "FROM to TO", for the fleet view once etcd is back. */
    private String lastOnPromises;

    ExclusiveLock(ExclusiveProgramSettings settings, ClusterSettings cluster, LockStore store, FencingFloor floor,
                  LeaseKeeper leases,
                  ExclusiveProgramControl control, ReadinessProbe probe, ScheduledExecutorService loop,
                  LastError lastError, Runnable onChange, Failsafe failsafe) {
        this.settings = settings;
        this.cluster = cluster;
        this.store = store;
        this.floor = floor;
        this.leases = leases;
        this.control = control;
        this.probe = probe;
        this.loop = loop;
        this.lastError = lastError;
        this.onChange = onChange;
        this.fenceBudgetNanos = settings.fenceBudget(cluster).toNanos();
        this.failsafe = failsafe;
    }

    /** Makes sure the exclusive program is not running, then takes part. On the loop thread. */
    void start() {
        long period = cluster.checkInterval().toMillis();
        loop.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        if (failsafe.enabled()) {
            long renew = cluster.renewInterval().toNanos();
            loop.scheduleWithFixedDelay(this::failsafeRound, renew, renew, TimeUnit.NANOSECONDS);
        }
        if (control.isRunning(settings.program())) {
            demote("the exclusive program was running before this host held the lock", false);
        } else {
            enterStandby("started");
        }
    }

    LockStatus status() {
        LockView v = seen;
        FailoverRequest request = v == null ? null : v.activeRequest();
        return new LockStatus(settings.lock(), settings.program(), role, probe.ready(),
                v == null ? null : v.holderHost(), v == null ? 0 : v.token(), token, settings.standbyProgram(),
                request == null ? null : request.describe(), lastChange,
                failsafe.enabled() ? failsafe.status(runsOnPromises()) : null);
    }

    /** For the fleet: "ready" there means "would take the lock now", so that a switchover plan can rely on it. */
    LockInventory inventory() {
        boolean canTakeOver = probe.ready() && leases.tenure() != null && leases.quietRemaining().isZero();
        LockInventory.Failsafe part = null;
        if (failsafe.enabled()) {
            LockStatus.Failsafe now = failsafe.status(onPromisesSince != null);
            part = new LockInventory.Failsafe(now.members(), onPromisesSince, now.confirmations(), lastOnPromises);
        }
        return new LockInventory(settings.lock(), settings.program(), role, canTakeOver, token, null, part);
    }

    /** Notes when this holder starts and stops running on promises (each tick: within a check interval). */
    private void notePromises() {
        boolean on = failsafe.enabled() && runsOnPromises();
        if (on && onPromisesSince == null) {
            onPromisesSince = Timestamps.format(Instant.now());
        } else if (!on && onPromisesSince != null) {
            lastOnPromises = onPromisesSince + " to " + Timestamps.format(Instant.now());
            onPromisesSince = null;
        }
    }

    /** Re-reads the lock and acts on it. Periodic, on watch events and on lease changes. */
    void tick() {
        notePromises();
        LockInventory now = inventory();
        if (!now.equals(published)) { // readiness or the quiet period changed: tell the fleet
            published = now;
            onChange.run();
        }
        checkProgramUp();
        if (busy || closed != null) {
            return;
        }
        if (role != LockRole.STANDBY && role != LockRole.CAMPAIGNING && role != LockRole.HOLDER) {
            return;
        }
        busy = true;
        int at = epoch;
        store.read().whenCompleteAsync((view, error) -> {
            busy = false;
            if (error != null) {
                lastError.record("reading lock " + settings.lock(), error);
            } else if (at == epoch) { // a view read before our role changed must not drive the new role
                seen = view;
                onView(view);
            }
        }, loop);
    }

    /**
     * A holder whose program stays down (crashed, restart backoff, FATAL) for a whole ttl gives the
     * lock to a standby rather than keep the identity offline.
     */
    private void checkProgramUp() {
        if (role != LockRole.HOLDER || control.isRunning(settings.program())) {
            programDownSinceNanos = -1;
            return;
        }
        long now = System.nanoTime();
        if (programDownSinceNanos < 0) {
            programDownSinceNanos = now;
        } else if (now - programDownSinceNanos >= cluster.leaseTtl().toNanos()) {
            holdOffUntilNanos = now + cluster.leaseTtl().toNanos(); // and do not take it straight back
            demote(settings.program() + " has not been running for " + ClusterSettings.show(cluster.leaseTtl())
                    + ": handing the lock to a standby", true);
        }
    }

    private void onView(LockView v) {
        keepFloor(v);
        if (!v.free() && !cluster.host().equals(v.holderHost())) {
            previousHolder = v.holderHost();
        }
        if (role == LockRole.HOLDER) {
            whileHolding(v);
        } else if (v.free()) {
            whileFree(v);
        } else if (cluster.host().equals(v.holderHost()) && v.holderLease() == leases.leaseId() && v.holderLease() != 0) {
            if (role == LockRole.CAMPAIGNING) {
                // Our acquisition landed although its answer was lost: the key is ours, on our live lease.
                beginHolding(new LockStore.Acquired(v.token(), v.revision()),
                        "found its own lock key (the acquisition's answer was lost)");
            } else {
                release(v.revision()); // left over from a release whose answer was lost; our program is stopped
            }
        } else if (role == LockRole.CAMPAIGNING) {
            enterRole(LockRole.STANDBY, "lock taken by " + v.holderHost());
        }
    }

    /**
     * Every token seen raises this host's floor (on disk); a counter in etcd below the floor means etcd
     * lost its data: raise it back, so that whoever campaigns next takes a token above the floor.
     */
    private void keepFloor(LockView v) {
        try {
            floor.raise(Math.max(v.token(), v.counter().value()));
        } catch (UncheckedIOException e) {
            lastError.record("lock " + settings.lock(), e);
        }
        if (!v.free() && v.token() < floor.value() && warnedBelowFloor != v.revision()) {
            warnedBelowFloor = v.revision();
            LOG.error("lock {}: {} holds it with fencing token {}, below this host's floor {}: etcd lost its data"
                    + " and that host never saw the newer token", settings.lock(), v.holderHost(), v.token(), floor.value());
        }
        if (v.counter().value() < floor.value() && !raisingCounter) {
            raisingCounter = true;
            long to = floor.value();
            store.raiseCounter(to, v.counter()).whenCompleteAsync((raised, error) -> {
                raisingCounter = false;
                if (error != null) {
                    lastError.record("raising the token counter of lock " + settings.lock(), error);
                } else if (raised) {
                    LOG.warn("lock {}: etcd's token counter was {} (etcd lost data?): raised to this host's floor {}",
                            settings.lock(), v.counter().value(), to);
                }
            }, loop);
        }
    }

    private void whileHolding(LockView v) {
        if (retaking) {
            whileRetaking(v);
            return;
        }
        if (v.revision() != keyRevision && v.free() && promisesCoverRetake()) {
            beginRetaking("the lock key is gone (etcd expired it while this holder ran on the failsafe promises)");
            whileRetaking(v);
            return;
        }
        if (v.revision() != keyRevision) {
            demote(v.free() ? "the lock key is gone" : "the lock key was replaced (now " + v.holderHost()
                    + ", token " + v.token() + ")", false);
            return;
        }
        keepMembers(v);
        FailoverRequest request = v.request();
        if (request == null) {
            return;
        }
        if (request.token() == token && cluster.host().equals(request.from())) {
            demote("switchover requested by " + request.requestedBy() + " " + request.describe(), true);
        } else if (request.token() != token) {
            store.deleteRequest(v.requestRevision()); // it was for the previous tenure: done
        }
    }

    /**
     * The holder's lease expired in etcd while it ran on its members' promises (everyone was cut from an etcd
     * that stayed up): once etcd answers again it takes the lock back on its new lease, the program still
     * running, before the promises run out. Nobody else can hold the lock meanwhile: every member promised not
     * to campaign for longer than this holder counts on, and a restarted member is in its quiet period for as
     * long; hosts outside the member list are kept out by {@code failsafe/<lock>}, which is on no lease. So the
     * quiet period that a campaign waits out (a holder etcd forgot may still run) does not apply: that holder
     * is this host. The fence still fires when the promises run out first.
     */
    /** Failsafe: the members' promises last long enough to take the lock again (a renew interval to spare). */
    private boolean promisesCoverRetake() {
        return role == LockRole.HOLDER && failsafe.enabled()
                && failsafe.confirmedUntilNanos() - System.nanoTime() > fenceBudgetNanos + cluster.renewInterval().toNanos();
    }

    private void beginRetaking(String why) {
        retaking = true;
        LOG.warn("lock {}: {} while running on the failsafe promises: {} keeps running, the lock is taken again"
                + " before the promises run out", settings.lock(), why, settings.program());
        lastChange = why + ": re-taking the lock on the failsafe promises";
        onChange.run();
        armFence(); // the deadline is now the promises' end
    }

    private void whileRetaking(LockView v) {
        LeaseKeeper.Tenure lease = leases.tenure();
        if (!v.free() && cluster.host().equals(v.holderHost()) && lease != null && v.holderLease() == lease.id()) {
            adoptRetaken(v.token(), v.revision(), lease.id(), "found its own lock key (the re-take's answer was lost)");
        } else if (!v.free()) {
            demote("re-taking the lock after etcd's return: " + v.holderHost() + " holds it (token " + v.token() + ")", false);
        } else if (lease != null && failsafe.confirmedUntilNanos() - System.nanoTime() > fenceBudgetNanos) {
            retake(v, lease);
        }
    }

    private void retake(LockView v, LeaseKeeper.Tenure lease) {
        busy = true;
        int at = epoch;
        tryAcquire(v, lease).whenCompleteAsync((acquired, error) -> {
            busy = false;
            if (error != null) {
                lastError.record("re-taking lock " + settings.lock(), error); // the next read adopts it or retries
            } else if (acquired == null) {
                tick(); // taken (the next read demotes) or the counter moved (retry)
            } else if (at != epoch || !retaking) {
                release(acquired.revision());
            } else {
                String refused = refuseBelowFloor(acquired.token());
                if (refused != null) {
                    release(acquired.revision());
                    demote(refused, false);
                } else {
                    adoptRetaken(acquired.token(), acquired.revision(), lease.id(), "re-took the lock after etcd's return");
                }
            }
        }, loop);
    }

    private void adoptRetaken(long newToken, long revision, long leaseId, String why) {
        long oldToken = token;
        retaking = false;
        keyLease = leaseId;
        keyRevision = revision;
        token = newToken;
        failsafe.reset(); // the promises were for the old tenure; the new lease covers this one
        LOG.warn("lock {}: {}: fencing token {} -> {}, {} kept running throughout", settings.lock(), why, oldToken,
                newToken, settings.program());
        enterRole(LockRole.HOLDER, why + ", fencing token " + newToken + " (" + settings.program() + " kept running)");
        armFence();
    }

    /**
     * Failsafe on: keeps {@code failsafe/<lock>} equal to the members this holder would ask (only those it
     * wrote count). Off: removes a list a failsafe holder left behind (it no longer runs: we hold the lock).
     */
    private void keepMembers(LockView v) {
        FailsafeMembers desired = failsafe.enabled() ? failsafe.desired(token) : null;
        if (failsafe.enabled() && desired == null) {
            return; // the fleet has not been read yet
        }
        if (writingMembers) {
            return; // a view read before the write's outcome is known confirms nothing
        }
        if (Objects.equals(desired, v.members())) {
            failsafe.written(desired);
            return;
        }
        writingMembers = true;
        failsafe.writing(desired);
        int at = epoch;
        store.writeMembers(desired, keyRevision).whenCompleteAsync((written, error) -> {
            writingMembers = false;
            if (error != null) {
                lastError.record("writing the failsafe members of lock " + settings.lock(), error);
            } else if (written && at == epoch) {
                failsafe.written(desired);
            }
        }, loop);
    }

    /** Holder, failsafe on, etcd silent for a while: ask the members for promises (every renew interval). */
    private void failsafeRound() {
        if ((role == LockRole.HOLDER || role == LockRole.STARTING)
                && leases.etcdSilence().compareTo(cluster.etcdSilenceBound()) >= 0) {
            failsafe.ask(token, this::armFence, loop);
        }
    }

    /** A failsafe holder's request, answered on the loop thread (atomic with campaigning). */
    FailsafeAnswer answer(FailsafeRequest request) {
        FailsafeAnswer answer = failsafe.promise(request, role, seen, leases.etcdSilence());
        if (answer.promise()) {
            onChange.run();
        }
        return answer;
    }

    /** Whether the lease must be kept past its local deadline: this holder runs on its members' promises. */
    boolean runsOnPromises() {
        LeaseKeeper.Tenure lease = leases.tenure();
        return (role == LockRole.HOLDER || role == LockRole.STARTING) && !retaking
                && failsafe.active(lease == null ? System.nanoTime() : lease.deadlineNanos());
    }

    private void whileFree(LockView v) {
        String obstacle = campaignObstacle(v);
        if (obstacle != null) {
            if (role == LockRole.CAMPAIGNING) {
                enterRole(LockRole.STANDBY, "stopped campaigning: " + obstacle);
            }
            return;
        }
        long now = System.nanoTime();
        if (role == LockRole.STANDBY) {
            boolean named = v.activeRequest() != null && cluster.host().equals(v.activeRequest().to());
            long jitter = named ? 0 : ThreadLocalRandom.current().nextLong(cluster.takeoverJitter().toNanos() + 1);
            enterRole(LockRole.CAMPAIGNING, named ? "lock free, switchover names this host" : "lock free and ready");
            campaignAtNanos = now + jitter;
            if (jitter > 0) {
                // After the jitter the lock is read again: someone faster may have taken it.
                loop.schedule(this::tick, jitter, TimeUnit.NANOSECONDS);
                return;
            }
        }
        if (now >= campaignAtNanos) {
            campaign(v);
        }
    }

    /** Why this host must not campaign now, or null when it may. */
    private String campaignObstacle(LockView v) {
        FailoverRequest request = v.activeRequest();
        String promised = failsafe.promiseObstacle();
        if (promised != null) {
            return promised;
        }
        String notMember = Failsafe.membersObstacle(v, cluster.host());
        if (notMember != null) {
            return notMember.replace("<lock>", settings.lock());
        }
        LeaseKeeper.Tenure lease = leases.tenure();
        if (lease == null) {
            return "no etcd lease";
        }
        if (lease.remainingNanos() <= fenceBudgetNanos + cluster.renewInterval().toNanos()) {
            return "lease too close to its deadline";
        }
        if (!probe.ready()) {
            return "not ready";
        }
        if (System.nanoTime() < holdOffUntilNanos) {
            return "gave the lock up because its program stayed down: leaving it to a standby for a while";
        }
        Duration quiet = leases.quietRemaining();
        if (!quiet.isZero()) {
            // A holder that etcd may have forgotten must have fenced itself first (see LeaseKeeper).
            return "quiet for " + quiet.toMillis() + "ms after a new etcd lease (etcd may have lost a holder's key)";
        }
        if (request != null && !request.allowsCampaignBy(cluster.host())) {
            return "switchover pending " + request.describe();
        }
        return null;
    }

    /** The acquisition transaction on {@code lease}, with the next token above the counter read in {@code v} and the floor. */
    private CompletableFuture<LockStore.Acquired> tryAcquire(LockView v, LeaseKeeper.Tenure lease) {
        LockRecord record = new LockRecord(cluster.host(), settings.program(), Instant.now().toString(),
                v.nextToken(floor.value()));
        return store.tryAcquire(lease.id(), record, v.counter());
    }

    private void campaign(LockView v) {
        LeaseKeeper.Tenure lease = leases.tenure();
        if (lease == null) {
            return;
        }
        busy = true;
        int at = epoch;
        tryAcquire(v, lease).whenCompleteAsync((acquired, error) -> {
            busy = false;
            if (error != null) {
                // It may still have landed: stay CAMPAIGNING, the next read adopts our key or retries.
                lastError.record("acquiring lock " + settings.lock(), error);
            } else if (acquired == null) {
                enterRole(LockRole.STANDBY, "another host took the lock first (or the token counter moved)");
            } else if (at != epoch) {
                release(acquired.revision()); // the role changed meanwhile (lease lost, closing)
            } else {
                beginHolding(acquired, "acquired the lock");
            }
        }, loop);
    }

    private void beginHolding(LockStore.Acquired acquired, String why) {
        LeaseKeeper.Tenure lease = leases.tenure();
        if (lease == null || lease.remainingNanos() <= fenceBudgetNanos) {
            release(acquired.revision());
            enterRole(LockRole.STANDBY, "took the lock too close to the lease deadline; released it");
            return;
        }
        long newToken = acquired.token();
        String refused = refuseBelowFloor(newToken);
        if (refused != null) {
            release(acquired.revision());
            enterRole(LockRole.STANDBY, refused);
            return;
        }
        keyLease = lease.id();
        keyRevision = acquired.revision();
        failsafe.reset();
        token = newToken;
        enterRole(LockRole.STARTING, why + ", fencing token " + newToken);
        LOG.info("lock {}: this host holds it (token {}), starting {}", settings.lock(), newToken, settings.program());
        armFence();
        int at = epoch;
        stopStandbyProgram()
                .thenComposeAsync(ignored -> at == epoch
                        ? control.start(settings.program(), holderEnvironment(newToken))
                        : CompletableFuture.completedFuture(null), loop)
                .whenCompleteAsync((ignored, error) -> {
                    if (at != epoch) {
                        return;
                    }
                    if (error != null) {
                        // Leave the lock to a standby for a while rather than fail here again (a failing acquire hook).
                        holdOffUntilNanos = System.nanoTime() + cluster.leaseTtl().toNanos();
                        demote("could not start " + settings.program() + ": " + EtcdCalls.describe(error), true);
                    } else {
                        enterRole(LockRole.HOLDER, settings.program() + " started with fencing token " + newToken);
                    }
                }, loop);
    }

    /**
     * Why this host must not run under {@code newToken}, or null: the token lies below the floor, or
     * the floor cannot be raised to it on disk (a restart could then hand out a smaller one).
     */
    private String refuseBelowFloor(long newToken) {
        if (newToken < floor.value()) {
            LOG.error("lock {}: refusing fencing token {}: this host already saw token {} (etcd lost its data)",
                    settings.lock(), newToken, floor.value());
            return "refused fencing token " + newToken + ", below this host's floor " + floor.value();
        }
        try {
            floor.raise(newToken);
            return null;
        } catch (UncheckedIOException e) {
            lastError.record("lock " + settings.lock(), e);
            return "refused the lock: " + e.getMessage();
        }
    }

    private Map<String, String> holderEnvironment(long fencingToken) {
        Map<String, String> env = new HashMap<>(Map.of(ExclusiveProgramControl.FENCING_TOKEN_ENV,
                Long.toString(fencingToken), ExclusiveProgramControl.LOCK_ENV, settings.lock(),
                ExclusiveProgramControl.ROLE_ENV, "holder"));
        if (previousHolder != null) {
            env.put(ExclusiveProgramControl.PREVIOUS_HOLDER_ENV, previousHolder);
        }
        return env;
    }

    private CompletableFuture<Void> stopStandbyProgram() {
        return settings.standbyProgram() == null
                ? CompletableFuture.completedFuture(null)
                : control.stopAndConfirmExit(settings.standbyProgram());
    }

    /**
     * The fence: a timer at (deadline - stop budget), re-armed while the deadline moves on. The deadline is the
     * local lease deadline or, with failsafe, the end of the members' promises when that is later.
     */
    private void armFence() {
        if (role != LockRole.STARTING && role != LockRole.HOLDER) {
            return;
        }
        if (fenceTimer != null) {
            fenceTimer.cancel(false);
        }
        long delay = Math.max(0, deadlineNanos() - System.nanoTime() - fenceBudgetNanos);
        fenceTimer = loop.schedule(this::checkFence, delay, TimeUnit.NANOSECONDS);
    }

    /** Until when this holder may count on nobody else running: its lease, or its members' promises. */
    private long deadlineNanos() {
        LeaseKeeper.Tenure lease = leases.tenure();
        long now = System.nanoTime();
        // While re-taking, the lease does not count even when it is the key's (the key is gone): only the promises
        long leaseDeadline = !retaking && lease != null && lease.id() == keyLease ? lease.deadlineNanos() : now;
        long promised = failsafe.confirmedUntilNanos();
        return promised != 0 && promised - leaseDeadline > 0 ? promised : leaseDeadline;
    }

    private void checkFence() {
        if (role != LockRole.STARTING && role != LockRole.HOLDER) {
            return;
        }
        LeaseKeeper.Tenure lease = leases.tenure();
        boolean sameLease = lease != null && lease.id() == keyLease;
        long left = deadlineNanos() - System.nanoTime();
        if (left <= fenceBudgetNanos) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, left));
            demote("fencing: " + leftMs + "ms of lease" + (failsafe.enabled() ? " (or failsafe promises)" : "")
                    + " left, " + settings.program() + " needs up to "
                    + settings.fenceBudget(cluster).toMillis() + "ms to stop", sameLease);
        } else {
            armFence();
        }
    }

    /** Stops the exclusive program and, once it has exited, optionally deletes our lock key. */
    private void demote(String reason, boolean releaseAfterExit) {
        if (role == LockRole.DEMOTING) {
            return;
        }
        if (fenceTimer != null) {
            fenceTimer.cancel(false);
        }
        LOG.warn("lock {}: stopping {}: {}", settings.lock(), settings.program(), reason);
        retaking = false;
        enterRole(LockRole.DEMOTING, reason);
        long deadline = deadlineNanos();
        stopUntilExited(reason, releaseAfterExit, token != 0 ? deadline : Long.MAX_VALUE);
    }

    private void stopUntilExited(String reason, boolean releaseAfterExit, long leaseDeadlineNanos) {
        control.stopAndConfirmExit(settings.program()).whenCompleteAsync((ignored, error) -> {
            if (error != null) {
                // Keep the key (if we still can): nobody else may start while our exit is unconfirmed.
                LOG.error("lock {}: exit of {} not confirmed, retrying: {}", settings.lock(), settings.program(),
                        EtcdCalls.describe(error));
                loop.schedule(() -> stopUntilExited(reason, releaseAfterExit, leaseDeadlineNanos),
                        cluster.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            long late = System.nanoTime() - leaseDeadlineNanos;
            if (late > 0) {
                LOG.error("lock {}: {} exited {}ms after the lease could expire: another host may have run it"
                        + " meanwhile; lower its stop_timeout or raise cluster.lease_ttl / fence_margin",
                        settings.lock(), settings.program(), TimeUnit.NANOSECONDS.toMillis(late));
            }
            long heldRevision = keyRevision;
            token = 0;
            keyRevision = 0;
            if (releaseAfterExit && heldRevision != 0) {
                release(heldRevision);
            }
            enterStandby(reason + "; " + settings.program() + " has exited");
        }, loop);
    }

    /** Deletes our lock key if it is still the one created at {@code revision}. Best effort: the lease bounds it anyway. */
    private void release(long revision) {
        store.release(revision).whenCompleteAsync((released, error) -> {
            if (error != null) {
                lastError.record("releasing lock " + settings.lock(), error);
            } else if (released) {
                LOG.info("lock {}: released (key revision {})", settings.lock(), revision);
            }
        }, loop);
    }

    private void enterStandby(String why) {
        failsafe.reset();
        enterRole(LockRole.STANDBY, why);
        if (closed != null) {
            closed.complete(null);
            return;
        }
        String standby = settings.standbyProgram();
        if (standby != null && !control.isRunning(standby)) {
            control.start(standby, Map.of(ExclusiveProgramControl.LOCK_ENV, settings.lock(),
                    ExclusiveProgramControl.ROLE_ENV, "standby")).whenComplete((ignored, error) -> {
                        if (error != null) {
                            LOG.warn("lock {}: could not start standby program {}: {}", settings.lock(), standby,
                                    EtcdCalls.describe(error));
                        }
                    });
        }
        loop.execute(this::tick);
    }

    private void enterRole(LockRole next, String why) {
        epoch++;
        campaignAtNanos = -1;
        if (next != role) {
            LOG.info("lock {}: {} -> {}: {}", settings.lock(), role, next, why);
        }
        role = next;
        lastChange = why;
        onChange.run();
    }

    @Override
    public void leaseGranted(long leaseId) {
        tick();
    }

    @Override
    public void leaseLost(long leaseId, String reason) {
        if (retaking) {
            return; // the lock is being taken again on the next lease; the fence runs on the promises meanwhile
        }
        if (role == LockRole.HOLDER && keyLease == leaseId && promisesCoverRetake()) {
            beginRetaking("lease lost (" + reason + ")");
        } else if ((role == LockRole.STARTING || role == LockRole.HOLDER) && keyLease == leaseId) {
            demote("lease lost: " + reason, false);
        } else if (role == LockRole.CAMPAIGNING) {
            enterRole(LockRole.STANDBY, "lease lost: " + reason);
        }
    }

    /**
     * Agent shutdown: a holder stops its program, confirms the exit and releases the lock. Completes
     * when nothing of this lock runs any more. On the loop thread.
     */
    CompletableFuture<Void> close() {
        closed = new CompletableFuture<>();
        if (role == LockRole.STARTING || role == LockRole.HOLDER) {
            demote("agent shutting down", true);
        } else if (role != LockRole.DEMOTING) {
            enterRole(LockRole.STANDBY, "agent shutting down");
            closed.complete(null);
        }
        return closed;
    }
}
