package dev.baton.agent;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigDiff;
import dev.baton.config.ProgramConfig;
import dev.baton.logs.LogPipeline;
import dev.baton.logs.ProgramLog;
import dev.baton.process.Instance;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramHost;
import dev.baton.process.ProgramStatus;
import dev.baton.process.RestartBackoff;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import dev.baton.process.os.SpawnException;
import dev.baton.process.os.SpawnRequest;
import dev.baton.process.os.SpawnedProcess;
import dev.baton.process.os.Spawner;
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

    private final Map<String, Program> programs = new TreeMap<>();
    private final Map<Integer, Program> byPid = new HashMap<>();
    private final Map<String, String> desired = new TreeMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile List<ProgramStatus> snapshot = List.of();
    private StartGate gate = program -> null;
    private LaunchGate launchGate = program -> Map.of();
    private Map<String, String> clusterLocks = Map.of();
    private BatonConfig config;

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

    /** First start: take the config, restore what operators asked for, start in priority order. */
    public void begin(BatonConfig cfg, ProgramsState previous) {
        this.config = cfg;
        previous.programs().forEach((name, e) -> {
            if (e.desired() != null && cfg.programs().containsKey(name)) {
                desired.put(name, e.desired());
            }
        });
        cfg.programs().values().forEach(pc -> add(pc));
        persist(true);
        byPriority(programs.values()).forEach(p -> {
            if (shouldRun(p)) {
                p.start();
            } else if ("stopped".equals(desired.get(p.name()))) {
                log.info("{}: not started: stopped by an operator (baton start {} to start it)", p.name(), p.name());
            }
        });
        publish();
    }

    /**
     * Applies a new config: removed programs stop, added ones start, changed ones restart with the
     * new settings, unchanged ones are not touched.
     */
    public ConfigDiff reload(BatonConfig next) {
        ConfigDiff diff = ConfigDiff.between(config, next);
        this.config = next;
        for (String name : diff.removed()) {
            Program p = programs.get(name);
            p.stop(() -> {
                if (programs.get(name) == p) {
                    programs.remove(name);
                    desired.remove(name);
                    logs.remove(name);
                    persist(true);
                    publish();
                }
            });
        }
        for (String name : diff.changed()) {
            Program p = programs.get(name);
            ProgramConfig pc = next.programs().get(name);
            boolean wasUp = p.state().hasProcess() || p.state() == ProcessState.BACKOFF;
            logs.open(name, pc.log());
            p.stop(() -> {
                p.reconfigure(pc);
                if (shouldRun(p) || (wasUp && p.hold() == null)) {
                    p.start();
                }
            });
        }
        byPriority(diff.added().stream().map(n -> add(next.programs().get(n))).toList()).forEach(p -> {
            if (shouldRun(p)) {
                p.start();
            }
        });
        log.info("reloaded: {} added, {} removed, {} changed, {} unchanged", diff.added().size(),
                diff.removed().size(), diff.changed().size(), diff.unchanged().size());
        publish();
        return diff;
    }

    /**
     * Stops everything in reverse priority order: a priority level starts stopping when the level
     * above it has stopped.
     *
     * @return completes with true when no program needed SIGKILL
     */
    public CompletableFuture<Boolean> stopAll() {
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

    /** An operator's start: remembered across agent restarts. */
    public void start(Program p) {
        remember(p, "running");
        p.start();
    }

    /** An operator's stop: remembered across agent restarts. */
    public void stop(Program p, Runnable done) {
        remember(p, "stopped");
        p.stop(done);
    }

    public void restart(Program p, Runnable started) {
        remember(p, "running");
        p.stop(() -> {
            p.start();
            if (started != null) {
                started.run();
            }
        });
    }

    private void remember(Program p, String want) {
        if (!want.equals(desired.put(p.name(), want))) {
            persist(true);
            // Synchronous, unlike every other state write: the operator is told "stopped" only once
            // it is on disk, so a crash right after the answer cannot bring the program back.
            // Operators' commands are rare; the loop may wait for them.
            if (!stateWriter.flush(DESIRED_WRITE_LIMIT)) {
                log.warn("state: {} not written within {}; it is still queued", stateFile.path(), DESIRED_WRITE_LIMIT);
            }
        }
    }

    // ---- events ------------------------------------------------------------------------------

    /** From the reaper (posted to the loop). Orphans re-parented to the agent are reaped and ignored. */
    public void onExit(int pid, ExitStatus status) {
        Program p = byPid.remove(pid);
        if (p == null) {
            log.debug("reaped pid {} ({})", pid, status);
            return;
        }
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
        Map<String, String> extra = launchGate.environment(program);
        String tag = agentId + "." + pc.name() + "." + instanceSeq.incrementAndGet();
        SpawnRequest req = new SpawnRequest(pc.command(), ChildEnvironment.build(pc, agentEnv, agentId, tag, extra),
                pc.directory(), pc.user(), pc.group(), pc.umask(), true, pc.limits());
        SpawnedProcess sp = spawner.spawn(req);
        childSpawned.run();
        Instance inst = new Instance(sp.pid(), sp.startTime(), tag, System.nanoTime(), Instant.now());
        byPid.put(sp.pid(), program);
        ProgramLog plog = logs.open(pc.name(), pc.log());
        logs.attach(plog, sp.stdoutFd(), sp.stderrFd());
        log.info("{}: spawned pid {}: {}", pc.name(), sp.pid(), String.join(" ", pc.command()));
        return inst;
    }

    @Override
    public void signalAll(Instance instance, int signal) {
        Os.killGroup(instance.pid(), signal);
        for (ProcStat p : processesOf(instance)) {
            if (p.pgrp() != instance.pid()) {
                Os.kill(p.pid(), signal); // a descendant that left the group (setsid, double fork)
            }
        }
    }

    @Override
    public List<Integer> liveProcesses(Instance instance) {
        return processesOf(instance).stream().map(ProcStat::pid).toList();
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
