package dev.baton.agent;

import dev.baton.agent.state.ProgramsState;
import dev.baton.agent.state.StateFile;
import dev.baton.agent.state.StateWriter;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigDiff;
import dev.baton.config.ProgramConfig;
import dev.baton.control.ControlException;
import dev.baton.logs.LogPipeline;
import dev.baton.logs.PendingLine;
import dev.baton.logs.ProgramLog;
import dev.baton.process.ChildEnvironment;
import dev.baton.process.EventLoop;
import dev.baton.process.Instance;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramHost;
import dev.baton.process.ProgramStatus;
import dev.baton.process.RestartBackoff;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.HostLookup;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import dev.baton.process.os.ProgramCgroups;
import dev.baton.process.os.SpawnException;
import dev.baton.process.os.SpawnRequest;
import dev.baton.process.os.SpawnedProcess;
import dev.baton.process.os.Spawner;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every program and changes them only on the event loop. Other threads post events (a
 * child exited, a command, a reload) and read the immutable snapshot published after each change.
 */
public final class Supervisor implements ProgramHost {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    /** How long an operator's start or stop waits for programs.json to be on disk. */
    private static final Duration DESIRED_WRITE_LIMIT = Duration.ofSeconds(5);

    /** Told about every state change, on the event loop. */
    public interface Listener {
        void stateChanged(ProgramStatus status, ProcessState from);

        /** An operator's stop, or a start of a held program that is not started, was recorded ({@code wanted}: should run). */
        default void desiredChanged(String program, boolean wanted) {
        }

        /** At the first start after a re-exec: the program's running process, handed over by the previous version, was adopted. */
        default void adopted(String program) {
        }
    }

    /** Asked before a program is started by the agent (not by an operator): a reason to keep it down, or null. */
    public interface StartGate {
        String holdReason(String program);
    }

    /**
     * Asked right before every spawn of a program, whoever asked for it (autostart, an operator, a
     * restart, a handover): the environment to add for this start, or a refusal.
     */
    public interface LaunchGate {
        /** @throws SpawnException when the program must not be spawned now (the start then fails with its message) */
        Map<String, String> environment(Program program) throws SpawnException;
    }

    private final EventLoop loop;
    private final Spawner spawner;
    private final Runnable childSpawned;
    private final LogPipeline logs;
    private final StateFile<ProgramsState> stateFile;
    private final StateWriter stateWriter;
    private final String agentId;
    private final Map<String, String> agentEnv;
    private final RestartBackoff backoff = new RestartBackoff(() -> ThreadLocalRandom.current().nextDouble());
    private final AtomicLong instanceSeq = new AtomicLong();
    private final DescendantTags descendantTags = new DescendantTags();
    /** The agent's descendants as scanned in loop task {@link #descendantsTask}. */
    private List<ProcStat> descendants = List.of();
    private long descendantsTask = -1;
    /** Stopping programs' "gone yet?" checks waiting for the next shared poll. */
    private final List<Runnable> dueChecks = new ArrayList<>();
    private final ExitsAfterOutput exits;

    private final Map<String, Program> programs = new TreeMap<>();
    /** Programs removed by a reload whose stop is not done yet: the reloads' starts wait for them. */
    private final List<Program> leaving = new ArrayList<>();
    /** Starts that wait for {@link #leaving} to empty, in order (priority order within a reload). */
    private final List<Runnable> startsAfterRemovals = new ArrayList<>();
    /** The programs those starts are for. */
    private final Set<Program> waitingForRemovals = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final Map<Integer, Program> byPid = new HashMap<>();
    /** The agent stops everything ({@link #stopAll}): from then on nothing starts and no reload is applied. */
    private boolean stoppingAll;
    private final Map<String, String> desired = new TreeMap<>();
    /**
     * Programs whose intent was lost with a damaged state file (both copies), with why: none is
     * started or spawned, by autostart, restart, handover or cluster, until an operator starts it.
     */
    private final Map<String, String> intentUnknown = new TreeMap<>();
    /** What {@link #intentUnknown} holds, in one sentence for status and metrics; null when nothing is. */
    private volatile String intentLost;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile List<ProgramStatus> snapshot = List.of();
    private StartGate gate = program -> null;
    private LaunchGate launchGate = program -> Map.of();
    private Map<String, String> clusterLocks = Map.of();
    /** A cgroup per instance when the agent can make them; empty: process group and tag only. */
    private Optional<ProgramCgroups> cgroups = Optional.empty();
    private BatonConfig config;
    /** Pipe read ends of each running instance as spawned ({stdout, stderr}), by pid, for a re-exec's handoff. */
    private final Map<Integer, int[]> pipes = new HashMap<>();
    /** Instances taken over at a re-exec: their parent task is not the spawner thread (see {@link #whyNoReexec}). */
    private final Set<Integer> adopted = new java.util.HashSet<>();
    /** What {@link #begin} adopts instead of starting, set before it. */
    private List<ReexecHandoff.Handed> toAdopt = List.of();
    /** Programs that had ended before a re-exec: left down at {@link #begin}, with how they ended. */
    private Map<String, String> keepDown = Map.of();
    /** What the previous version's status showed of each program (a re-exec), until {@link #begin}. */
    private Map<String, ReexecHandoff.Shown> shownBefore = Map.of();

    public Supervisor(EventLoop loop, Spawner spawner, Runnable childSpawned, LogPipeline logs,
                      StateFile<ProgramsState> stateFile, StateWriter stateWriter, String agentId,
                      Map<String, String> agentEnv) {
        this.loop = loop;
        this.spawner = spawner;
        this.childSpawned = childSpawned;
        this.logs = logs;
        this.stateFile = stateFile;
        this.stateWriter = stateWriter;
        this.agentId = agentId;
        this.agentEnv = Map.copyOf(agentEnv);
        this.exits = new ExitsAfterOutput(loop);
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void setStartGate(StartGate gate) {
        this.gate = gate;
    }

    public void setLaunchGate(LaunchGate gate) {
        this.launchGate = gate;
    }

    public void setCgroups(Optional<ProgramCgroups> cgroups) {
        this.cgroups = cgroups;
    }

    /** The programs only the cluster starts (exclusive programs, standby variants), by name, with their lock. */
    public void setClusterLocks(Map<String, String> programToLock) {
        this.clusterLocks = Map.copyOf(programToLock);
    }

    /** The lock of a program only the cluster starts, else null. */
    public String clusterLock(String program) {
        return clusterLocks.get(program);
    }

    /** Programs as of the last change, in name order. Safe from any thread. */
    public List<ProgramStatus> snapshot() {
        return snapshot;
    }

    public BatonConfig config() {
        return config;
    }

    public EventLoop loop() {
        return loop;
    }

    // ---- lifecycle (on the loop) ----------------------------------------------------------------

    /**
     * Before {@link #begin}: these programs' intent is lost (a state file and its last good copy
     * damaged), so they fail safe: held down until an operator starts them.
     */
    public void intentUnknown(java.util.Collection<String> names, String why) {
        names.forEach(n -> intentUnknown.put(n, why));
        publishIntentLost();
    }

    /** True when this program is held because its intent was lost with the state file. Loop only. */
    boolean intentLost(String program) {
        return intentUnknown.containsKey(program);
    }

    /** Why some programs are held because their intent was lost, or null. Safe from any thread. */
    public String intentLost() {
        return intentLost;
    }

    private void publishIntentLost() {
        Map<String, List<String>> byWhy = new TreeMap<>();
        intentUnknown.forEach((name, why) -> byWhy.computeIfAbsent(why, k -> new ArrayList<>()).add(name));
        intentLost = byWhy.isEmpty() ? null : String.join("; ", byWhy.entrySet().stream().map(e -> e.getKey()
                + ": held until an operator starts them: " + String.join(", ", e.getValue())).toList());
    }

    /**
     * Before {@link #begin}: these instances (verified) are adopted as RUNNING instead of being
     * started, these programs ({@code down}: name to how they ended) are left down, and each shows
     * again what it showed before ({@code shown}: state, since, last exit, last error).
     */
    void adoptAtBegin(List<ReexecHandoff.Handed> instances, Map<String, String> down,
                      Map<String, ReexecHandoff.Shown> shown) {
        this.toAdopt = List.copyOf(instances);
        this.keepDown = Map.copyOf(down);
        this.shownBefore = Map.copyOf(shown);
    }

    /** Each program's status besides its process, for a re-exec's handoff. Loop only. */
    Map<String, ReexecHandoff.Shown> shownPrograms() {
        Map<String, ReexecHandoff.Shown> out = new TreeMap<>();
        programs.values().forEach(p -> out.put(p.name(), ReexecHandoff.Shown.of(p.status())));
        return out;
    }

    private void restoreShown(Program p) {
        ReexecHandoff.Shown s = shownBefore.get(p.name());
        if (s != null) {
            p.restore(ProcessState.valueOf(s.state()), s.since() == null ? null : Instant.parse(s.since()),
                    s.lastExit(), s.lastExitAt() == null ? null : Instant.parse(s.lastExitAt()), s.lastError());
        }
    }

    /** The programs that ended (EXITED, FATAL) and stay down, for a re-exec's handoff: name to how. Loop only. */
    Map<String, String> endedPrograms() {
        Map<String, String> out = new TreeMap<>();
        for (Program p : programs.values()) {
            if (p.state() == ProcessState.EXITED || p.state() == ProcessState.FATAL) {
                ProgramStatus st = p.status();
                out.put(p.name(), st.state() + (st.lastExit() != null ? " (" + st.lastExit() + ")" : ""));
            }
        }
        return out;
    }

    /** First start: take the config, restore what operators asked for, start in priority order. */
    public void begin(BatonConfig cfg, ProgramsState previous) {
        this.config = cfg;
        previous.programs().forEach((name, e) -> {
            if (e.desired() != null && cfg.programs().containsKey(name)) {
                desired.put(name, e.desired());
            }
        });
        cfg.programs().values().forEach(pc -> add(pc));
        toAdopt.forEach(this::adopt);
        toAdopt.forEach(h -> listeners.forEach(l -> l.adopted(h.program())));
        toAdopt = List.of();
        programs.values().forEach(this::restoreShown);
        shownBefore = Map.of();
        // Listeners learn what operators asked for before anything starts (a stopped engine stays stopped)
        desired.forEach((name, want) -> listeners.forEach(l -> l.desiredChanged(name, want.equals("running"))));
        persist(true);
        byPriority(programs.values()).forEach(p -> {
            String downBefore = keepDown.get(p.name());
            if (downBefore != null && (p.state() == ProcessState.EXITED || p.state() == ProcessState.FATAL)) {
                // A re-exec changes no program: one that had ended stays as the previous version left it
                // (its state restored: nothing restarts an ended program by itself)
                log.info("{}: not started: {} before the re-exec (baton start {} starts it)", p.name(), downBefore,
                        p.name());
            } else if (downBefore != null && !p.state().hasProcess()) {
                // Handed over by a version that did not say how each program ended: held down
                p.setHold(downBefore + " before the re-exec (baton start " + p.name() + " starts it)");
                log.info("{}: not started: {}", p.name(), p.hold());
            } else if (shouldRun(p)) {
                p.start();
            } else if ("stopped".equals(desired.get(p.name()))) {
                log.info("{}: not started: stopped by an operator (baton start {} to start it)", p.name(), p.name());
            }
        });
        publish();
    }

    /**
     * Applies a new config: removed programs stop, added ones start, changed ones restart with the
     * new settings, unchanged ones are not touched. Starts wait for removals, as supervisord's
     * {@code update} does: an added program, and a changed one's restart, start only once every
     * program removed by a reload (this one or an earlier one) has stopped, its process group gone.
     * A rename ({@code [programs.cfe10]} to {@code [programs.cfe10b]}, the same engine and keys)
     * never runs two copies for the old one's stop_timeout. The answer does not wait for it: the
     * starts are chained on the stops.
     */
    public ConfigDiff reload(BatonConfig next) {
        refuseReloadWhileStoppingAll();
        ConfigDiff diff = ConfigDiff.between(config, next);
        this.config = next;
        List<Program> removed = diff.removed().stream().map(programs::get).toList();
        leaving.addAll(removed); // all of them before any stop: one already down must not release the starts
        for (Program p : removed) {
            String name = p.name();
            p.stop(() -> {
                if (isCurrent(p)) {
                    programs.remove(name);
                    desired.remove(name);
                    logs.remove(name);
                    persist(true);
                    publish();
                }
                leaving.remove(p);
                startAfterRemovals();
            });
        }
        for (String name : diff.changed()) {
            Program p = programs.get(name);
            ProgramConfig pc = next.programs().get(name);
            boolean wasUp = p.state().hasProcess() || p.state() == ProcessState.BACKOFF;
            logs.open(name, pc.log());
            p.stop(() -> {
                p.reconfigure(pc);
                afterRemovals(p, () -> {
                    if (mayStartAfterStop(p) && (shouldRun(p) || (wasUp && p.hold() == null))) {
                        p.start();
                    }
                });
            });
        }
        byPriority(diff.added().stream().map(n -> add(next.programs().get(n))).toList()).forEach(p -> afterRemovals(p, () -> {
            if (mayStartAfterStop(p) && shouldRun(p)) {
                p.start();
            }
        }));
        log.info("reloaded: {} added, {} removed, {} changed, {} unchanged", diff.added().size(),
                diff.removed().size(), diff.changed().size(), diff.unchanged().size());
        publish();
        return diff;
    }

    /**
     * Why a reload to {@code next} would take down a program that is up now and could not start it
     * again, or null: a changed program whose new command is not found or not executable in the PATH it
     * would get, or whose working directory is missing (the spawner's own checks, as check-config makes
     * them). Applied, such a reload stops the program and leaves it FATAL. Loop only.
     */
    String changedProgramsThatCannotStart(BatonConfig next) {
        List<String> problems = new ArrayList<>();
        for (String name : ConfigDiff.between(config, next).changed()) {
            ProcessState now = programs.get(name).state();
            if (!now.hasProcess() && now != ProcessState.BACKOFF) {
                continue; // down already: the reload takes nothing away
            }
            ProgramConfig pc = next.programs().get(name);
            String problem = HostLookup.commandProblem(pc.command().get(0), ChildEnvironment.build(pc, agentEnv, agentId, "check"));
            if (problem == null) {
                problem = HostLookup.directoryProblem(pc.directory());
            }
            if (problem != null) {
                problems.add(name + " (" + pc.origin() + "): " + problem);
            }
        }
        return problems.isEmpty() ? null : "the new configuration would stop running programs and could not start them"
                + " again: " + String.join("; ", problems) + ". Fix it; to stop them anyway, run baton reload --force"
                + " (POST /v1/reload?force=true)";
    }

    /**
     * Once the agent stops everything, a reload applies nothing (to no part of the agent: call this
     * before any of it is reloaded). Loop only.
     *
     * @throws ControlException (unavailable) while the agent shuts down
     */
    void refuseReloadWhileStoppingAll() {
        if (stoppingAll) {
            throw new ControlException(ControlException.Kind.UNAVAILABLE,
                    "the agent is shutting down: reload refused, nothing is started any more");
        }
    }

    /**
     * Whether a start that waited for a stop (a reload's restart of a changed program, an added program
     * waiting for removals, an operator's restart) may still run now: nothing in {@link #whyNoStartAfterStop}
     * and {@code p} down. Loop only.
     */
    private boolean mayStartAfterStop(Program p) {
        return whyNoStartAfterStop(p) == null && !p.state().hasProcess();
    }

    /**
     * Why a start that waited for a stop (or for removals) must not run any more, or null: the agent stops
     * everything, {@code p} was removed by a reload, or an operator stopped it since the start was asked for.
     * Loop only.
     */
    String whyNoStartAfterStop(Program p) {
        if (stoppingAll) {
            return "the agent is shutting down";
        }
        if (!isCurrent(p)) {
            return "removed by a reload";
        }
        return "stopped".equals(desired.get(p.name())) ? "stopped by an operator meanwhile" : null;
    }

    /** Whether {@code p} is still the program of its name: not removed, nor replaced by a reload. Loop only. */
    boolean isCurrent(Program p) {
        return programs.get(p.name()) == p;
    }

    /**
     * Runs {@code start} (a start of {@code p}) now, or once no program removed by a reload is left
     * stopping. Each start re-checks the newest config and intent when it runs. Loop only.
     */
    void afterRemovals(Program p, Runnable start) {
        if (leaving.isEmpty()) {
            start.run();
            return;
        }
        String wait = WAITS_FOR_REMOVALS + leaving.stream().map(Program::name).distinct().sorted().toList()
                + " (removed by a reload) stopped";
        log.info("{}: {}", p.name(), wait);
        if (p.hold() == null) {
            p.setHold(wait); // what the status shows meanwhile: the program is STOPPED, and this is why
        }
        waitingForRemovals.add(p);
        startsAfterRemovals.add(start);
    }

    private static final String WAITS_FOR_REMOVALS = "starts once ";

    /** Whether a start of {@code p} waits for programs a reload removed (an operator's start of it waits too). Loop only. */
    boolean waitsForRemovals(Program p) {
        return !leaving.isEmpty() && waitingForRemovals.contains(p);
    }

    private void startAfterRemovals() {
        if (!leaving.isEmpty()) {
            return;
        }
        List<Runnable> starts = List.copyOf(startsAfterRemovals);
        startsAfterRemovals.clear();
        for (Program p : waitingForRemovals) {
            if (p.hold() != null && p.hold().startsWith(WAITS_FOR_REMOVALS)) {
                p.setHold(null); // each start decides again, with the newest config and holds
            }
        }
        waitingForRemovals.clear();
        starts.forEach(Runnable::run);
        publish();
    }

    /**
     * Stops everything in reverse priority order: a priority level starts stopping when the level
     * above it has stopped.
     *
     * @return completes with true when no program needed SIGKILL
     */
    public CompletableFuture<Boolean> stopAll() {
        stoppingAll = true;
        startsAfterRemovals.clear(); // a removed program's end must not start anything during the shutdown
        waitingForRemovals.clear();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        NavigableMap<Integer, List<Program>> levels = new TreeMap<>(Comparator.reverseOrder());
        programs.values().forEach(p -> levels.computeIfAbsent(p.config().priority(), k -> new ArrayList<>()).add(p));
        stopLevels(new ArrayList<>(levels.values()), 0, done);
        return done;
    }

    private void stopLevels(List<List<Program>> levels, int index, CompletableFuture<Boolean> done) {
        if (index == levels.size()) {
            done.complete(programs.values().stream().noneMatch(Program::killedOnStop));
            return;
        }
        List<Program> level = levels.get(index);
        int[] pending = {level.size()};
        for (Program p : level) {
            p.stop(() -> {
                if (--pending[0] == 0) {
                    stopLevels(levels, index + 1, done);
                }
            });
        }
    }

    // ---- commands (on the loop) ---------------------------------------------------------------

    public Program program(String name) {
        return programs.get(name);
    }

    public List<Program> programs() {
        return List.copyOf(programs.values());
    }

    /** An operator's start: remembered across agent restarts (on disk before the program is touched). */
    public void start(Program p) {
        intend(List.of(p), "running");
        p.start();
    }

    /** An operator's stop: remembered across agent restarts (on disk before the program is touched). */
    public void stop(Program p, Runnable done) {
        intend(List.of(p), "stopped");
        tellDesired(p, false); // a program already down changes no state: its listeners learn it here
        p.stop(done);
    }

    /** An operator's start of a program the handover holds: remembered as wanted, not started (a resume will). */
    public void want(Program p) {
        intend(List.of(p), "running");
        tellDesired(p, true);
    }

    /** Why the agent must not start this program by itself (a handover or cluster hold), or null. */
    public String holdReason(Program p) {
        return gate.holdReason(p.name());
    }

    public void restart(Program p, Runnable started) {
        intend(List.of(p), "running");
        p.stop(() -> {
            Runnable go = () -> {
                if (mayStartAfterStop(p)) { // else removed by a reload, stopped by an operator or the shutdown meanwhile
                    p.start();
                }
                if (started != null) {
                    started.run();
                }
            };
            if (waitsForRemovals(p)) { // added or changed by a reload whose removed programs are still stopping
                afterRemovals(p, go);
            } else {
                go.run();
            }
        });
    }

    /**
     * Records what an operator wants for {@code targets}, on disk, before anything is done to them
     * (an agent killed half-way through a {@code restart all} must find "running", never the
     * "stopped" of its first half). Synchronous, unlike every other state write: operators'
     * commands are rare, the loop may wait for them.
     *
     * @throws ControlException when the intent cannot be written (disk full, read-only, slow):
     *                          nothing is changed, in memory or to any program
     */
    public void intend(List<Program> targets, String want) {
        Map<String, String> before = new HashMap<>();
        for (Program p : targets) {
            String old = desired.put(p.name(), want);
            if (!want.equals(old)) {
                before.put(p.name(), old);
            }
        }
        if (before.isEmpty()) {
            clearUnknown(targets, want);
            return;
        }
        persist(true);
        boolean written = stateWriter.flush(DESIRED_WRITE_LIMIT);
        String problem = written ? stateFile.problem() : stateFile.path() + " was not written within "
                + DESIRED_WRITE_LIMIT.toSeconds() + "s (a slow or hung disk)";
        if (problem == null) {
            clearUnknown(targets, want);
            return;
        }
        before.forEach((name, old) -> {
            if (old == null) {
                desired.remove(name);
            } else {
                desired.put(name, old);
            }
        });
        persist(false); // the state as it was, in case the failed one is still queued
        throw new ControlException(ControlException.Kind.UNAVAILABLE, "cannot record \"" + want + "\" for "
                + String.join(", ", before.keySet().stream().sorted().toList()) + ": " + problem + ". Nothing was done: "
                + "an action whose intent is not on disk would be undone by the next agent start. Fix the state "
                + "directory (free space, remount read-write) and try again");
    }

    /** An operator's start says what was unknown; a stop does too (the program is down, as the hold wanted). */
    private void clearUnknown(List<Program> targets, String want) {
        boolean changed = false;
        for (Program p : targets) {
            changed |= intentUnknown.remove(p.name()) != null;
        }
        if (changed) {
            log.info("{}: intent set by an operator ({})", targets.stream().map(Program::name).toList(), want);
            publishIntentLost();
        }
    }

    private void tellDesired(Program p, boolean wanted) {
        for (Listener l : listeners) {
            l.desiredChanged(p.name(), wanted);
        }
    }

    // ---- events ------------------------------------------------------------------------------

    /**
     * From the reaper (posted to the loop). Orphans re-parented to the agent are reaped and ignored.
     * A program's exit is judged once its output was read to the end ({@link ExitsAfterOutput}).
     */
    public void onExit(int pid, ExitStatus status) {
        Program p = byPid.remove(pid);
        pipes.remove(pid);
        adopted.remove(pid);
        if (p == null) {
            log.debug("reaped pid {} ({})", pid, status);
            return;
        }
        exits.exited(pid, () -> judgeExit(p, pid, status));
    }

    private void judgeExit(Program p, int pid, ExitStatus status) {
        Instance inst = p.instance();
        if (inst == null || inst.pid() != pid) {
            return;
        }
        log.info("{}: pid {} {}", p.name(), pid, status);
        p.onExit(status);
    }

    // ---- ProgramHost ------------------------------------------------------------------------------

    @Override
    public Instance launch(Program program) throws SpawnException {
        ProgramConfig pc = program.config();
        String unknown = intentUnknown.get(pc.name());
        if (unknown != null) {
            // whoever asks (a handover's start, the cluster): only an operator's start clears this
            program.setHold(unknown);
            throw new SpawnException("not started: " + unknown + " (baton start " + pc.name() + " once you know it "
                    + "should run)", 0);
        }
        Map<String, String> extra = launchGate.environment(program);
        long seq = instanceSeq.incrementAndGet();
        String tag = agentId + "." + pc.name() + "." + seq;
        Map<String, String> env = ChildEnvironment.build(pc, agentEnv, agentId, tag, extra);
        Path cgroup = null;
        if (cgroups.isPresent()) {
            try {
                cgroup = cgroups.get().create(pc.name(), seq);
            } catch (java.io.IOException e) {
                throw new SpawnException("cannot make the program's cgroup: " + e.getMessage(), 0);
            }
        } else if (clusterLock(pc.name()) != null) {
            // Never outliving this agent is what keeps an exclusive program to one host.
            String refused = ProgramCgroups.whyItCouldOutliveTheAgent(pc.command().get(0), pc.user(), pc.group(), env);
            if (refused != null) {
                throw new SpawnException("refused: " + refused, 0);
            }
        }
        SpawnRequest req = new SpawnRequest(pc.command(), env, pc.directory(), pc.user(), pc.group(), pc.umask(), true,
                cgroup, pc.limits(), pc.ignoreSigpipe());
        SpawnedProcess sp = spawner.spawn(req);
        childSpawned.run();
        Instance inst = new Instance(sp.pid(), sp.startTime(), tag, System.nanoTime(), Instant.now());
        byPid.put(sp.pid(), program);
        pipes.put(sp.pid(), new int[] {sp.stdoutFd(), sp.stderrFd()});
        ProgramLog plog = logs.open(pc.name(), pc.log());
        int pid = sp.pid();
        logs.attach(plog, sp.stdoutFd(), sp.stderrFd(), () -> loop.post(() -> exits.outputEnded(pid)));
        log.info("{}: spawned pid {}: {}", pc.name(), sp.pid(), String.join(" ", pc.command()));
        return inst;
    }

    /** One handed-over instance becomes its program's RUNNING instance; its pipes are read again. */
    private void adopt(ReexecHandoff.Handed h) {
        Program p = programs.get(h.program());
        Instance inst = new Instance(h.pid(), h.startTime(), h.tag(), h.startedNanos(), Instant.parse(h.startedAt()));
        int pid = h.pid();
        byPid.put(pid, p);
        adopted.add(pid);
        pipes.put(pid, new int[] {h.stdoutFd(), h.stderrFd()});
        String seq = h.tag().substring(h.tag().lastIndexOf('.') + 1);
        instanceSeq.accumulateAndGet(Long.parseLong(seq), Math::max); // new instances never reuse its tag or cgroup
        logs.attach(logs.open(p.name(), p.config().log()), h.stdoutFd(), h.stderrFd(),
                () -> loop.post(() -> exits.outputEnded(pid)), h.stdoutPending(), h.stderrPending());
        p.adopt(inst);
        log.info("{}: adopted pid {} (running since {}), its output is read again", p.name(), pid, h.startedAt());
    }

    /**
     * Why the agent cannot re-execute itself now, or null. Loop only. A program on its way up or
     * down, or whose exit is being judged, would be handed over half-done; an instance adopted at the
     * last re-exec has the launcher's first thread as its parent task, which another re-exec (from
     * the spawner thread) would end, and its parent-death signal would kill it.
     */
    String whyNoReexec() {
        List<String> why = new ArrayList<>();
        for (Program p : programs.values()) {
            ProcessState s = p.state();
            if (s == ProcessState.STARTING || s == ProcessState.STOPPING || s == ProcessState.BACKOFF) {
                why.add(p.name() + " is " + s + " (try again once it settled)");
            } else if (s == ProcessState.RUNNING && byPid.get(p.instance().pid()) != p) {
                why.add(p.name() + " just exited (try again in a moment)");
            } else if (s == ProcessState.RUNNING && adopted.contains(p.instance().pid())) {
                why.add(p.name() + " (pid " + p.instance().pid() + ") was adopted at the last re-exec: its parent-death "
                        + "signal is tied to a thread another re-exec would end, killing it; restart it (baton restart "
                        + p.name() + ") when convenient, then re-exec");
            } else if (s.hasProcess() && clusterLock(p.name()) != null) {
                why.add(p.name() + " runs under the cluster lock " + clusterLock(p.name()) + " (a re-exec would drop the "
                        + "etcd lease; systemctl restart baton hands the lock over)");
            }
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    /**
     * Every RUNNING instance, for the handoff: its pipes as far as they are still being read
     * ({@code attached}: fd to "program/STREAM" after the pipeline quiesced). Loop only.
     */
    List<ReexecHandoff.Handed> handOver(Map<Integer, String> attached, Map<Integer, PendingLine> pending) {
        List<ReexecHandoff.Handed> out = new ArrayList<>();
        for (Program p : programs.values()) {
            if (p.state() != ProcessState.RUNNING) {
                continue;
            }
            Instance i = p.instance();
            int[] fds = pipes.getOrDefault(i.pid(), new int[] {-1, -1});
            int stdout = (p.name() + "/STDOUT").equals(attached.get(fds[0])) ? fds[0] : -1;
            int stderr = (p.name() + "/STDERR").equals(attached.get(fds[1])) ? fds[1] : -1;
            String cgroup = cgroups.map(c -> c.dir(cgroupName(i.tag())).toString()).orElse(null);
            out.add(new ReexecHandoff.Handed(p.name(), i.pid(), i.startTime(), i.tag(), i.startedNanos(),
                    i.startedAt().toString(), stdout, stderr, cgroup, pending.get(stdout), pending.get(stderr)));
        }
        return out;
    }

    /** An instance's cgroup: its tag without the agent id ({@code program.n}). */
    private String cgroupName(String tag) {
        return tag.substring(agentId.length() + 1);
    }

    @Override
    public void signalAll(Instance instance, int signal) {
        Os.killGroup(instance.pid(), signal);
        List<Integer> signalled = new ArrayList<>();
        for (ProcStat p : processesOf(instance)) {
            if (p.pgrp() != instance.pid()) {
                Os.kill(p.pid(), signal); // a descendant that left the group (setsid, double fork)
            }
            signalled.add(p.pid());
        }
        cgroups.ifPresent(c -> {
            Path cgroup = c.dir(cgroupName(instance.tag()));
            if (signal == dev.baton.process.os.Signals.SIGKILL) {
                c.kill(cgroup); // everything in it, however it left group, tag and the agent's tree
            } else {
                c.pids(cgroup).stream().filter(pid -> !signalled.contains(pid)).forEach(pid -> Os.kill(pid, signal));
            }
        });
    }

    @Override
    public boolean stoppingAll() {
        return stoppingAll;
    }

    @Override
    public boolean mainAlive(Instance instance) {
        return ProcessTable.isInstance(instance.pid(), instance.startTime());
    }

    @Override
    public List<Integer> liveProcesses(Instance instance) {
        List<Integer> live = new ArrayList<>(processesOf(instance).stream().map(ProcStat::pid).toList());
        cgroups.ifPresent(c -> c.pids(c.dir(cgroupName(instance.tag()))).stream().filter(pid -> !live.contains(pid))
                .forEach(live::add));
        return live;
    }

    /**
     * Every live process of an instance: the agent's descendants (a child subreaper, it inherits
     * orphans) that are in the instance's process group or carry its tag. Reading environ only for
     * the agent's own descendants, and only once for each, keeps this to one cheap pass over /proc.
     */
    private List<ProcStat> processesOf(Instance instance) {
        List<ProcStat> found = new ArrayList<>();
        for (ProcStat p : descendants()) {
            if (p.pgrp() == instance.pid() || descendantTags.carries(p, instance.tag())) {
                found.add(p);
            }
        }
        return found;
    }

    @Override
    public EventLoop.Timer schedule(Duration delay, Runnable task) {
        return loop.schedule(delay, task);
    }

    @Override
    public void checkSoon(Duration delay, Runnable check) {
        dueChecks.add(check);
        if (dueChecks.size() == 1) {
            loop.schedule(delay, () -> {
                List<Runnable> due = List.copyOf(dueChecks);
                dueChecks.clear();
                due.forEach(Runnable::run);
            });
        }
    }

    /**
     * One /proc pass per loop task, shared by every instance looked at in it (a priority level's
     * stops, the shared "gone yet?" poll). Within one task the pass cannot miss what matters: a
     * process spawned later in the same task is a main process, which stops wait for by its exit
     * (the reaper) and signal through its group; one that died since is simply signalled in vain
     * or checked again at the next poll.
     */
    private List<ProcStat> descendants() {
        long task = loop.taskNumber();
        if (task != descendantsTask) {
            descendants = ProcessTable.descendantsOf(Os.pid());
            descendantsTask = task;
            descendantTags.retainOnly(descendants);
        }
        return descendants;
    }

    @Override
    public Duration restartDelay(Program program, int attempt) {
        return backoff.delay(program.config().backoff(), attempt);
    }

    @Override
    public void stateChanged(Program program, ProcessState from) {
        ProcessState to = program.state();
        if (to == ProcessState.STARTING || from == ProcessState.STOPPING || to == ProcessState.STOPPED
                || to == ProcessState.EXITED || to == ProcessState.FATAL) {
            persist(false);
        }
        if (to != ProcessState.STARTING && to != ProcessState.STOPPING) {
            log.info("{}: {} -> {}{}", program.name(), from, to, describe(program));
        }
        publish();
        ProgramStatus status = program.status();
        for (Listener l : listeners) {
            l.stateChanged(status, from);
        }
    }

    private static String describe(Program p) {
        ProgramStatus s = p.status();
        if (s.state() == ProcessState.FATAL || s.state() == ProcessState.BACKOFF) {
            return s.lastError() != null ? " (" + s.lastError() + ")" : s.lastExit() != null ? " (" + s.lastExit() + ")" : "";
        }
        return s.state() == ProcessState.EXITED && s.lastExit() != null ? " (" + s.lastExit() + ")" : "";
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    // ---- internals -----------------------------------------------------------------------------

    private Program add(ProgramConfig pc) {
        Program p = new Program(pc, this);
        programs.put(pc.name(), p);
        logs.open(pc.name(), pc.log());
        return p;
    }

    private boolean shouldRun(Program p) {
        String unknown = intentUnknown.get(p.name());
        if (unknown != null) {
            p.setHold(unknown);
            log.warn("{}: not started: {}", p.name(), unknown);
            return false;
        }
        String held = gate.holdReason(p.name());
        if (held != null) {
            p.setHold(held);
            log.info("{}: not started: {}", p.name(), held);
            return false;
        }
        return wanted(p);
    }

    /** An operator's start or stop, else autostart; handover holds aside (loop only, no side effects). */
    boolean wanted(Program p) {
        String want = desired.get(p.name());
        return want == null ? p.config().autostart() : want.equals("running");
    }

    /** Lowest priority first: the start order. */
    private static List<Program> byPriority(Collection<Program> ps) {
        return ps.stream().sorted(Comparator.comparingInt(p -> p.config().priority())).toList();
    }

    private void persist(boolean durable) {
        Map<String, ProgramsState.Entry> entries = new TreeMap<>();
        for (Program p : programs.values()) {
            Instance i = p.state().hasProcess() ? p.instance() : null;
            entries.put(p.name(), new ProgramsState.Entry(desired.get(p.name()), i == null ? 0 : i.pid(),
                    i == null ? 0 : i.startTime(), i == null ? null : i.tag()));
        }
        stateWriter.submit(stateFile, new ProgramsState(ProgramsState.VERSION, Collections.unmodifiableMap(entries)), durable);
    }

    private void publish() {
        snapshot = programs.values().stream().map(Program::status).toList();
    }
}
