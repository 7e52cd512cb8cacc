package dev.baton.control;

import dev.baton.cluster.Cluster;
import dev.baton.logs.ProgramLog;
import dev.baton.process.ProgramStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the outside (HTTP API, metrics, cluster) may see and do: reads come from immutable
 * snapshots, commands are posted to the event loop. Thread-safe.
 */
public interface Control {
    /** The whole agent: itself, every program, every engine group. */
    AgentStatus status();

    Optional<ProgramStatus> program(String name);

    /**
     * Start a program ({@code all}: every program). Completes when the program reached RUNNING,
     * or failed to (the result then says why), bounded by start_secs plus a margin.
     *
     * @throws ControlException NOT_FOUND for an unknown name
     */
    CompletableFuture<ActionResult> start(String name);

    /** Stop; completes when the program's whole process group is gone. Remembered across restarts. */
    CompletableFuture<ActionResult> stop(String name);

    CompletableFuture<ActionResult> restart(String name);

    /** Send a signal to the program's process group; CONFLICT when it is not running. */
    CompletableFuture<ActionResult> signal(String name, int signal);

    /** The program's log (tail, follow, counters). */
    Optional<ProgramLog> log(String name);

    /** Handover history and operators' actions, newest last, at most {@code limit} events (all groups). */
    List<HandoverRecord> history(int limit);

    /** Records an operator's request for the history ({@code who}: a user name, or "token"; {@code program} may be null). */
    void operatorAction(String who, String what, String program);

    /**
     * Re-read the config files and apply the difference; problems leave everything as it is, and
     * so does a config that would stop every running program (an emptied main file) unless
     * {@code force}.
     */
    ReloadResult reload(boolean force);

    /** What a reload (without force) would change, from the config files as they are now; applies nothing. */
    ReloadResult reread();

    /** A reload without force (SIGHUP's). */
    default ReloadResult reload() {
        return reload(false);
    }

    /** Validate a config document without applying it. */
    ReloadResult check(String toml);

    /**
     * Why the agent is not ready, one plain sentence per program that is not where it should be;
     * empty when ready. A program stopped by an operator, held by a handover, or an engine that is
     * WAITING, IDLE or SUPERSEDED is where it should be.
     */
    List<String> unready();

    /**
     * Each program that is not in the state the agent wants it in ({@code baton status} exits 3):
     * should run and does not, FATAL, or held for another reason than an engine's resting or a
     * cluster lock; name to one plain sentence, empty when all are where they should be.
     */
    Map<String, String> offTarget();

    /** Stop every program and then the agent, as SIGTERM does; returns at once. */
    void shutdown();

    /**
     * {@code baton reexec}, first half: why the agent cannot re-execute itself in place now (the
     * installed version is run to check it starts and accepts the config), or null. Blocks (seconds).
     */
    default String reexecCheck() {
        return "this agent cannot re-execute itself";
    }

    /** Second half, once the caller was answered: re-executes in place, on a thread of its own; returns at once. */
    default void reexecNow() {
    }

    /**
     * The etcd cluster (fleet, exclusive locks), when {@code [cluster]} is configured and it started.
     * Only its interface: using it loads no etcd class that was not loaded already.
     */
    default Optional<Cluster> cluster() {
        return Optional.empty();
    }

    /** Why {@code [cluster]} is configured but the cluster did not start; null when it started or is not configured. */
    default String clusterProblem() {
        return null;
    }
}
