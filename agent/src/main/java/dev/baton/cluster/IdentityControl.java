package dev.baton.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm standby: for a lock with {@link IdentityHooks}, what the lock makes exclusive is the program's
 * identity, not its process. The program runs on every host (the supervisor starts it as any other);
 * this wraps the supervisor's control and maps the cluster's requests onto the hooks, so that the
 * lock protocol itself is unchanged:
 *
 * <ul>
 *   <li>{@link #start}: the lock is ours. Run {@code verify_released} until it passes (the previous
 *       holder is passive; within {@code failover_timeout}), then {@code acquire}; complete when it
 *       exited 0. A failure fails the start, and the lock then releases the lock (running
 *       {@code release} first, to be safe).</li>
 *   <li>{@link #stopAndConfirmExit}: run {@code release}; when it fails or times out, stop the program
 *       and see it exit. Either way the identity is passive here before this completes, and the lock
 *       deletes its key (or lets its lease expire) only after that: the next holder's acquire never
 *       overlaps this host's live identity. The fence budget counts the release timeout.</li>
 *   <li>{@link #isRunning}: the identity may be live here (acquired, or a hook in flight). A program
 *       restarted while live comes back with the identity of its command line (passive): the acquire
 *       hook runs again.</li>
 * </ul>
 *
 * <p>Hooks block, so each identity has one thread of its own; state changes are guarded by the
 * identity's monitor. A stop during a running acquire hook cannot know what the hook did: it stops
 * the program.
 */
public final class IdentityControl implements ExclusiveProgramControl {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityControl.class);

    private final ExclusiveProgramControl supervisor;
    private final Map<String, Identity> byProgram = new LinkedHashMap<>();
    private final Duration retryEvery;
    private final Duration verifyWithin;
    private volatile Runnable onChange = () -> { };

    /**
     * @param exclusive  every exclusive program; those with {@link ExclusiveProgramSettings#identity} are handled here
     * @param supervisor the supervisor's control, for everything else and for the last-resort stop
     */
    public IdentityControl(List<ExclusiveProgramSettings> exclusive, ClusterSettings cluster,
                           ExclusiveProgramControl supervisor) {
        this.supervisor = supervisor;
        this.retryEvery = cluster.checkInterval();
        this.verifyWithin = cluster.failoverTimeout();
        exclusive.stream().filter(p -> p.identity() != null).forEach(p -> byProgram.put(p.program(), new Identity(p)));
    }

    /** Each identity's state, in config order. */
    public List<IdentityStatus> status() {
        return byProgram.values().stream().map(Identity::status).toList();
    }

    /** The identity of {@code lock}'s program, or null when that lock has no identity hooks. */
    public IdentityStatus status(String lock) {
        return byProgram.values().stream().filter(i -> i.settings.lock().equals(lock)).findFirst()
                .map(Identity::status).orElse(null);
    }

    /** Runs {@code listener} after every change of a state or of the failures (under a lock: it must not block). */
    public void onChange(Runnable listener) {
        this.onChange = listener;
    }

    /** Stops the hook threads (a hook still running is abandoned to its own timeout). */
    public void close() {
        byProgram.values().forEach(i -> i.hooks.shutdownNow());
    }

    @Override
    public CompletableFuture<Void> start(String program, Map<String, String> environment) {
        Identity identity = byProgram.get(program);
        return identity == null ? supervisor.start(program, environment) : identity.acquire(environment);
    }

    @Override
    public CompletableFuture<Void> stopAndConfirmExit(String program) {
        Identity identity = byProgram.get(program);
        return identity == null ? supervisor.stopAndConfirmExit(program) : identity.release();
    }

    @Override
    public boolean isRunning(String program) {
        Identity identity = byProgram.get(program);
        return identity == null ? supervisor.isRunning(program) : identity.mayBeLive();
    }

    @Override
    public boolean runCheck(List<String> argv, Duration timeout) {
        return supervisor.runCheck(argv, timeout);
    }

    @Override
    public HookResult runHook(String program, List<String> argv, Map<String, String> environment, Duration timeout) {
        return supervisor.runHook(program, argv, environment, timeout);
    }

    @Override
    public long instanceId(String program) {
        return supervisor.instanceId(program);
    }

    private final class Identity {
        private final ExclusiveProgramSettings settings;
        private final IdentityHooks hookSettings;
        private final ExecutorService hooks;
        private IdentityState state = IdentityState.PASSIVE;
        /** Bumped by every acquire and release: a hook sequence of an older generation gives up. */
        private long generation;
        private Map<String, String> grant;
        private long acquiredInstance;
        private CompletableFuture<Void> releasing;
        private long failures;
        private String lastFailure;

        Identity(ExclusiveProgramSettings settings) {
            this.settings = settings;
            this.hookSettings = settings.identity();
            this.hooks = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "baton-identity-" + settings.lock());
                thread.setDaemon(true);
                return thread;
            });
        }

        synchronized IdentityStatus status() {
            return new IdentityStatus(settings.lock(), settings.program(), state, failures, lastFailure);
        }

        synchronized CompletableFuture<Void> acquire(Map<String, String> environment) {
            if (state == IdentityState.LIVE) {
                return CompletableFuture.completedFuture(null);
            }
            long at = ++generation;
            grant = Map.copyOf(environment);
            enter(hookSettings.verifyReleased() != null ? IdentityState.VERIFYING : IdentityState.ACQUIRING,
                    "lock taken (fencing token " + environment.get(FENCING_TOKEN_ENV) + ")");
            CompletableFuture<Void> done = new CompletableFuture<>();
            hooks.execute(() -> runAcquire(at, grant, done));
            return done;
        }

        /** On the hook thread. */
        private void runAcquire(long at, Map<String, String> environment, CompletableFuture<Void> done) {
            if (!supervisor.isRunning(settings.program())) {
                String why = settings.program() + " is not running on this host: there is no process to give the identity to";
                synchronized (this) {
                    if (at == generation) {
                        enter(IdentityState.PASSIVE, why);
                    }
                }
                done.completeExceptionally(new IllegalStateException(why));
                return;
            }
            if (hookSettings.verifyReleased() != null && !verified(at, environment, done)) {
                return;
            }
            synchronized (this) {
                if (at != generation) {
                    done.completeExceptionally(new IllegalStateException("acquire cancelled: the lock is being given up"));
                    return;
                }
                enter(IdentityState.ACQUIRING, "running the acquire hook");
                acquiredInstance = supervisor.instanceId(settings.program());
            }
            HookResult r = run("acquire", hookSettings.acquire(), environment);
            synchronized (this) {
                if (at != generation) {
                    done.completeExceptionally(new IllegalStateException("acquire overtaken by a release"));
                } else if (r.succeeded()) {
                    enter(IdentityState.LIVE, "acquire hook succeeded");
                    done.complete(null);
                } else {
                    fail(at, IdentityState.FAILED, "acquire hook " + r.outcome(), done);
                }
            }
        }

        /** Runs verify_released until it passes; false (and {@code done} failed) when it did not within the budget. */
        private boolean verified(long at, Map<String, String> environment, CompletableFuture<Void> done) {
            long deadline = System.nanoTime() + verifyWithin.toNanos();
            while (true) {
                synchronized (this) {
                    if (at != generation) {
                        done.completeExceptionally(new IllegalStateException("acquire cancelled: the lock is being given up"));
                        return false;
                    }
                }
                HookResult r = run("verify_released", hookSettings.verifyReleased(), environment);
                if (r.succeeded()) {
                    return true;
                }
                if (System.nanoTime() - deadline > 0) {
                    fail(at, IdentityState.PASSIVE, "verify_released did not pass within failover_timeout "
                            + ClusterSettings.show(verifyWithin) + " (last: " + r.outcome() + "): the previous holder"
                            + (environment.containsKey(PREVIOUS_HOLDER_ENV) ? " " + environment.get(PREVIOUS_HOLDER_ENV) : "")
                            + " may still be live", done);
                    return false;
                }
                LockSupport.parkNanos(retryEvery.toNanos());
            }
        }

        private synchronized void fail(long at, IdentityState next, String why, CompletableFuture<Void> done) {
            failures++;
            lastFailure = why;
            onChange.run();
            if (at == generation) {
                enter(next, why);
            }
            LOG.error("lock {}: {}", settings.lock(), why);
            done.completeExceptionally(new IllegalStateException(why));
        }

        synchronized CompletableFuture<Void> release() {
            generation++;
            switch (state) {
                case PASSIVE, FENCED -> {
                    return CompletableFuture.completedFuture(null);
                }
                case VERIFYING -> { // acquire never ran: nothing is live here
                    enter(IdentityState.PASSIVE, "lock given up before the acquire hook ran");
                    return CompletableFuture.completedFuture(null);
                }
                case RELEASING -> {
                    return releasing;
                }
                case ACQUIRING -> {
                    releasing = new CompletableFuture<>();
                    enter(IdentityState.RELEASING, "lock given up while the acquire hook ran");
                    fence("the acquire hook was still running (its effect is unknown)", releasing);
                    return releasing;
                }
                default -> { // LIVE, FAILED
                    releasing = new CompletableFuture<>();
                    enter(IdentityState.RELEASING, "running the release hook");
                    CompletableFuture<Void> done = releasing;
                    Map<String, String> environment = new HashMap<>(grant == null ? Map.of(LOCK_ENV, settings.lock()) : grant);
                    environment.put(ROLE_ENV, "standby");
                    hooks.execute(() -> runRelease(environment, done));
                    return done;
                }
            }
        }

        /** On the hook thread. */
        private void runRelease(Map<String, String> environment, CompletableFuture<Void> done) {
            HookResult r = run("release", hookSettings.release(), environment);
            if (r.succeeded()) {
                synchronized (this) {
                    if (state == IdentityState.RELEASING) { // else a new acquire has begun meanwhile
                        enter(IdentityState.PASSIVE, "release hook succeeded");
                    }
                }
                done.complete(null);
                return;
            }
            synchronized (this) {
                failures++;
                lastFailure = "release hook " + r.outcome() + ": stopping " + settings.program();
                onChange.run();
            }
            fence("the release hook " + r.outcome(), done);
        }

        /** The last resort: stop the program and see it exit; its identity cannot be live then. */
        private void fence(String why, CompletableFuture<Void> done) {
            LOG.error("lock {}: {}: stopping {} so that its identity cannot stay live", settings.lock(), why,
                    settings.program());
            supervisor.stopAndConfirmExit(settings.program()).whenComplete((ignored, error) -> {
                synchronized (this) {
                    if (state != IdentityState.RELEASING) { // a new acquire has begun meanwhile: it decides
                        if (error != null) {
                            done.completeExceptionally(error);
                        } else {
                            done.complete(null);
                        }
                    } else if (error != null) {
                        enter(IdentityState.FAILED, "stopping " + settings.program() + " failed: " + error.getMessage());
                        done.completeExceptionally(error);
                    } else {
                        enter(IdentityState.FENCED, why + "; " + settings.program() + " stopped (start it again with"
                                + " its passive identity: baton start " + settings.program() + ")");
                        done.complete(null);
                    }
                }
            });
        }

        synchronized boolean mayBeLive() {
            switch (state) {
                case ACQUIRING, RELEASING -> {
                    return true;
                }
                case LIVE -> {
                    if (!supervisor.isRunning(settings.program())) {
                        return false; // down: its identity with it; the lock hands over if it stays down
                    }
                    long now = supervisor.instanceId(settings.program());
                    if (now != acquiredInstance) {
                        reacquire();
                    }
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        /** The program was restarted while live: it came back passive, so take the identity again. */
        private void reacquire() {
            long at = ++generation;
            enter(IdentityState.ACQUIRING, settings.program() + " restarted while its identity was live here");
            Map<String, String> environment = grant;
            CompletableFuture<Void> done = new CompletableFuture<>();
            hooks.execute(() -> runAcquire(at, environment, done));
        }

        private HookResult run(String hook, List<String> argv, Map<String, String> environment) {
            Map<String, String> env = new HashMap<>(environment);
            env.put(HOOK_ENV, hook);
            HookResult r = supervisor.runHook(settings.program(), argv, env, hookSettings.timeout());
            if (r.succeeded()) {
                LOG.info("lock {}: {} hook {}", settings.lock(), hook, r.outcome());
            } else {
                LOG.warn("lock {}: {} hook failed: {}", settings.lock(), hook, r.outcome());
            }
            return r;
        }

        private void enter(IdentityState next, String why) {
            if (next != state) {
                LOG.info("lock {}: identity of {} {} -> {}: {}", settings.lock(), settings.program(), state, next, why);
                state = next;
                onChange.run();
            }
        }
    }
}
