package dev.baton.agent;

import dev.baton.cluster.ExclusiveProgramControl;
import dev.baton.cluster.HookResult;
import dev.baton.config.ProgramConfig;
import dev.baton.process.ChildEnvironment;
import dev.baton.process.EventLoop;
import dev.baton.process.Instance;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.Signals;
import dev.baton.process.os.SpawnException;
import dev.baton.process.os.SpawnRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor as the cluster sees it ({@link ExclusiveProgramControl}). The programs the cluster
 * manages (exclusive programs and their standby variants) may have a process only while the cluster
 * granted one: {@link #start} grants (with the environment carrying the fencing token) and starts,
 * {@link #stopAndConfirmExit} takes the grant back, stops, and completes once no process of the
 * program is left. Without a grant the supervisor refuses to spawn them, whoever asks (autostart, an
 * operator, a reload, a handover, a restart after a crash): see {@link #environment}. With one, a
 * crashed program is restarted by its restart policy on this host, which holds the lock anyway.
 *
 * <p>Grants and waiters live on the event loop; the cluster's threads only post to it.
 */
final class ClusterPrograms implements ExclusiveProgramControl, Supervisor.LaunchGate, Supervisor.Listener {
    private static final Logger log = LoggerFactory.getLogger(ClusterPrograms.class);
    private static final Duration GONE_POLL = Duration.ofMillis(25);

    private final EventLoop loop;
    private final Supervisor supervisor;
    private final ChildCommands commands;
    private final Map<String, String> managed;
    /** Loop only: program to the environment of its current grant. */
    private final Map<String, Map<String, String>> grants = new HashMap<>();
    /** Loop only: starts waiting for their program to be spawned. */
    private final Map<String, List<CompletableFuture<Void>>> spawnWaiters = new HashMap<>();

    /**
     * @param managed program to its lock: every exclusive program and every standby program
     */
    ClusterPrograms(EventLoop loop, Supervisor supervisor, ChildCommands commands, Map<String, String> managed) {
        this.loop = loop;
        this.supervisor = supervisor;
        this.commands = commands;
        this.managed = Map.copyOf(managed);
    }

    boolean manages(String program) {
        return managed.containsKey(program);
    }

    /** The lock of a managed program, else null. */
    String lockOf(String program) {
        return managed.get(program);
    }

    /** For the supervisor's start gate: why a managed program is not started now (loop only). */
    String holdReason(String program) {
        String lock = managed.get(program);
        if (lock == null || grants.containsKey(program)) {
            return null;
        }
        return "started only by the cluster (lock " + lock + ")";
    }

    // ---- Supervisor.LaunchGate (loop) ----------------------------------------------------------

    @Override
    public Map<String, String> environment(Program program) throws SpawnException {
        String lock = managed.get(program.name());
        if (lock == null) {
            return Map.of();
        }
        Map<String, String> grant = grants.get(program.name());
        if (grant == null) {
            String reason = holdReason(program.name());
            program.setHold(reason);
            throw new SpawnException("not started: " + reason + "; it runs only where the cluster starts it", 0);
        }
        return grant;
    }

    // ---- ExclusiveProgramControl (any thread) -----------------------------------------------------

    @Override
    public CompletableFuture<Void> start(String program, Map<String, String> environment) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.post(() -> {
            Program p = supervisor.program(program);
            if (p == null || !managed.containsKey(program)) {
                done.completeExceptionally(new IllegalStateException("no cluster-managed program named " + program));
                return;
            }
            grants.put(program, Map.copyOf(environment));
            startNow(p, done);
        });
        return done;
    }

    private void startNow(Program p, CompletableFuture<Void> done) {
        if (!grants.containsKey(p.name())) {
            done.completeExceptionally(new IllegalStateException(p.name() + ": start cancelled by a stop"));
            return;
        }
        switch (p.state()) {
            case STARTING, RUNNING -> done.complete(null);
            case STOPPING -> p.stop(() -> loop.post(() -> startNow(p, done)));
            default -> {
                log.info("{}: started by the cluster (lock {})", p.name(), managed.get(p.name()));
                p.start();
                ProcessState now = p.state();
                if (now.hasProcess()) {
                    done.complete(null);
                } else if (now == ProcessState.BACKOFF) {
                    // Leftovers of the previous instance being killed, or a failed spawn being retried.
                    spawnWaiters.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(done);
                } else {
                    done.completeExceptionally(new IllegalStateException(p.name() + " could not be started: "
                            + p.status().lastError()));
                }
            }
        }
    }

    @Override
    public CompletableFuture<Void> stopAndConfirmExit(String program) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.post(() -> {
            grants.remove(program);
            Program p = supervisor.program(program);
            if (p == null) {
                done.complete(null);
                return;
            }
            failWaiters(program, "stopped by the cluster before it was spawned");
            p.setHold(holdReason(program)); // no restart by its policy from here on
            p.stop(() -> loop.post(() -> confirmGone(p, done)));
        });
        return done;
    }

    /** The program's stop is done; complete only when no process of its last instance is left. */
    private void confirmGone(Program p, CompletableFuture<Void> done) {
        if (p.state().hasProcess()) {
            // Started again meanwhile (a grant came back): the caller's stop still comes first.
            p.stop(() -> loop.post(() -> confirmGone(p, done)));
            return;
        }
        Instance last = p.instance();
        List<Integer> left = last == null ? List.of() : supervisor.liveProcesses(last);
        if (left.isEmpty()) {
            done.complete(null);
            return;
        }
        log.warn("{}: processes {} still alive after its stop: SIGKILL, waiting for them to be gone", p.name(), left);
        supervisor.signalAll(last, Signals.SIGKILL);
        loop.schedule(GONE_POLL, () -> confirmGone(p, done));
    }

    @Override
    public boolean isRunning(String program) {
        for (ProgramStatus s : supervisor.snapshot()) {
            if (s.name().equals(program)) {
                return s.state().hasProcess();
            }
        }
        return false;
    }

    // ---- Supervisor.Listener (loop) --------------------------------------------------------------

    @Override
    public void stateChanged(ProgramStatus status, ProcessState from) {
        List<CompletableFuture<Void>> waiting = spawnWaiters.get(status.name());
        if (waiting == null) {
            return;
        }
        switch (status.state()) {
            case STARTING, RUNNING -> {
                spawnWaiters.remove(status.name());
                waiting.forEach(w -> w.complete(null));
            }
            case STOPPED, EXITED, FATAL -> failWaiters(status.name(), "could not be started: " + status.lastError());
            default -> { }
        }
    }

    private void failWaiters(String program, String why) {
        List<CompletableFuture<Void>> waiting = spawnWaiters.remove(program);
        if (waiting != null) {
            waiting.forEach(w -> w.completeExceptionally(new IllegalStateException(program + ": " + why)));
        }
    }

    // ---- readiness commands ------------------------------------------------------------------------

    /**
     * A hook of a warm-standby identity or a safe-moment check: through the agent's spawner and reaper,
     * as the program's user, in its directory, with its environment plus {@code environment}; output
     * (bounded) into the agent's log. Blocks: on the cluster's hook threads.
     */
    @Override
    public HookResult runHook(String program, List<String> argv, Map<String, String> environment, Duration timeout) {
        ProgramConfig pc;
        try {
            pc = loop.call(() -> {
                Program p = supervisor.program(program);
                return p == null ? null : p.config();
            }, timeout);
        } catch (Exception e) {
            return new HookResult(false, "cannot be started: " + e.getMessage());
        }
        if (pc == null) {
            return new HookResult(false, "cannot be started: no program named " + program);
        }
        Map<String, String> env = new TreeMap<>();
        if (pc.inheritEnvironment()) {
            env.putAll(commands.inheritedEnvironment());
        }
        env.putAll(pc.environment());
        env.putAll(environment);
        env.put(ChildEnvironment.PROGRAM, program);
        StringBuilder output = new StringBuilder();
        ChildCommands.Result r = commands.runCapturing(new SpawnRequest(argv, env, pc.directory(), pc.user(), pc.group(),
                pc.umask(), true, null, List.of(), pc.ignoreSigpipe()), timeout, output);
        String hook = environment.getOrDefault(HOOK_ENV, "hook");
        String text;
        synchronized (output) {
            text = output.toString().strip();
        }
        if (!text.isEmpty()) {
            // One log line: a hook's output must not be able to forge agent log lines.
            log.info("{}: {} {}: {}", program, hook, r.describe(), oneLine(text));
        }
        return new HookResult(r.succeeded(), r.describe());
    }

    /** Line breaks as " | ", other control characters as '?'. */
    static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (String line : text.split("\r?\n")) {
            if (out.length() > 0) {
                out.append(" | ");
            }
            line.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        }
        return out.toString();
    }

    @Override
    public long instanceId(String program) {
        for (ProgramStatus s : supervisor.snapshot()) {
            if (s.name().equals(program)) {
                return s.pid();
            }
        }
        return 0;
    }

    /** Ready when the command exits 0 within the timeout (run through the agent's spawner and reaper). On the probe thread. */
    @Override
    public boolean runCheck(List<String> argv, Duration timeout) {
        ChildCommands.Result r = commands.run(argv, timeout);
        if (r.status() == null && r.failure().startsWith("cannot be started")) {
            log.warn("readiness command {} {}", argv, r.failure());
        }
        return r.succeeded();
    }
}
