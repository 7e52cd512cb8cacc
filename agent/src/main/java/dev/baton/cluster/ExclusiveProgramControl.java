package dev.baton.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the cluster asks of the supervisor. Implementations post to the supervisor's event loop and
 * return at once: the cluster thread must never block on them.
 *
 * <p>The supervisor must start an exclusive program only through {@link #start}: not on autostart,
 * not from the API, not on a config reload.
 */
public interface ExclusiveProgramControl {

    /** Environment variable carrying the tenure's fencing token (it only grows, also across a loss of etcd's data). */
    String FENCING_TOKEN_ENV = "BATON_FENCING_TOKEN";
    /** Environment variable carrying the lock name. */
    String LOCK_ENV = "BATON_LOCK";
    /** Environment variable carrying the role the program was started for: {@code holder} or {@code standby}. */
    String ROLE_ENV = "BATON_CLUSTER_ROLE";
    /** Environment variable of identity hooks: the host that held the lock before this one, when known. */
    String PREVIOUS_HOLDER_ENV = "BATON_PREVIOUS_HOLDER";
    /** Environment variable of hooks and checks: {@code acquire}, {@code release}, {@code verify_released} or {@code safe_moment}. */
    String HOOK_ENV = "BATON_HOOK";
    /** Environment variable of the safe-moment check: the switchover's target host, empty for any ready standby. */
    String TARGET_ENV = "BATON_SWITCHOVER_TARGET";

    /**
     * Starts {@code program} with {@code environment} added to its configured environment. Completes
     * when the process has been spawned (not when it is RUNNING); fails when it could not be spawned.
     */
    CompletableFuture<Void> start(String program, Map<String, String> environment);

    /**
     * Stops {@code program} (stop signal, then SIGKILL after its stop timeout, whole process group)
     * and completes only when every process of it is gone. Completes at once when it is not running.
     * Must also cancel a start still in progress and keep the program from being restarted.
     */
    CompletableFuture<Void> stopAndConfirmExit(String program);

    /** True while any process of {@code program} exists (also while starting or stopping). */
    boolean isRunning(String program);

    /**
     * Runs a readiness command ({@link ReadinessSpec.Command}): true when it exits 0 within
     * {@code timeout}. Called on the probe thread; may block up to the timeout. The agent runs it
     * through its own spawner and reaper, because a {@code java.lang.Process} next to the agent's
     * {@code waitpid(-1)} reaper loses its exit status (it would read as 0 or never come). This default
     * uses ProcessBuilder, for hosts without such a reaper (tests).
     */
    default boolean runCheck(List<String> argv, Duration timeout) {
        return ReadinessChecks.exitsZero(argv, timeout);
    }

    /**
     * Runs a hook of {@code program} (identity acquire / release, safe moment): {@code environment} added
     * to the program's own, as the program's user where the host supports it, its output logged
     * (bounded). Blocks up to {@code timeout}, then kills the command's process group. Never on the
     * cluster loop. This default uses ProcessBuilder (see {@link #runCheck} on why the agent does not).
     */
    default HookResult runHook(String program, List<String> argv, Map<String, String> environment, Duration timeout) {
        return ReadinessChecks.runHook(argv, environment, timeout);
    }

    /**
     * Identifies the running instance of {@code program} (its pid), or 0 when it has no process: a
     * change means the program was restarted, and a warm standby's identity with it.
     */
    default long instanceId(String program) {
        return 0;
    }
}
