package dev.baton.agent;

import dev.baton.agent.state.StateFile;
import dev.baton.cli.Main;
import dev.baton.cluster.Cluster;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigDiff;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.control.ActionResult;
import dev.baton.control.AgentStatus;
import dev.baton.control.Control;
import dev.baton.control.ControlException;
import dev.baton.control.HandoverRecord;
import dev.baton.control.ReloadResult;
import dev.baton.logs.HeapNeed;
import dev.baton.logs.LogPipeline;
import dev.baton.logs.ProgramLog;
import dev.baton.process.EventLoop;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.RunningBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent as the API and metrics see it ({@link Control}): reads from the published snapshots,
 * commands through the event loop ({@link ProgramActions}).
 */
public final class AgentControl implements Control {
    private static final Logger log = LoggerFactory.getLogger(AgentControl.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** Engine roles in which a stopped engine is where it should be. */
    private static final Set<String> RESTING_ROLES = Set.of("WAITING", "IDLE", "SUPERSEDED");

    private final Path configPath;
    private final EventLoop loop;
    private final Supervisor supervisor;
    private final HandoverCoordinator handover;
    private final LogPipeline logs;
    private final StateFile<?> stateFile;
    private final ProgramActions actions;
    private final ReleaseWatch releases = new ReleaseWatch();
    private final RunningBinaries binaries;
    private final Instant startedAt = Instant.now();
    private final String host = hostName();
    private volatile Cluster cluster;
    private volatile String clusterProblem;

    private final Runnable shutdown;
    private volatile Reexec reexec;
    private volatile AgentStatus.Reexec reexecStartedBy;
    private final OperatorLog operators;
    private final EmptiedConfigFiles emptied;
    /** The config the agent started with: its own settings ([agent], [api]) are these until it restarts. */
    private final BatonConfig started;

    AgentControl(Path configPath, BatonConfig config, EventLoop loop, Supervisor supervisor, HandoverCoordinator handover, LogPipeline logs,
                 StateFile<?> stateFile, OperatorLog operators, RunningBinaries binaries, BooleanSupplier shuttingDown,
                 Runnable shutdown) {
        this.operators = operators;
        this.shutdown = shutdown;
        this.binaries = binaries;
        this.configPath = configPath;
        this.loop = loop;
        this.supervisor = supervisor;
        this.handover = handover;
        this.logs = logs;
        this.stateFile = stateFile;
        this.actions = new ProgramActions(loop, supervisor, shuttingDown);
        this.started = config;
        this.emptied = new EmptiedConfigFiles(config);
    }

    @Override
    public AgentStatus status() {
        String lost = supervisor.intentLost();
        return new AgentStatus(Main.Version.get(), Os.pid(), host, startedAt, configPath.toString(),
                supervisor.snapshot(), releases.annotate(handover.groups()), lost != null ? lost : stateFile.problem(),
                lost != null, binaries.snapshot(), reexecStatus());
    }

    /** Set at start: how to re-exec, and how this agent came to be if by a re-exec (else null). */
    void reexec(Reexec reexec, AgentStatus.Reexec startedBy) {
        this.reexec = reexec;
        this.reexecStartedBy = startedBy;
    }

    private AgentStatus.Reexec reexecStatus() {
        String failure = reexec == null ? null : reexec.lastFailure();
        AgentStatus.Reexec from = reexecStartedBy;
        if (from == null && failure == null) {
            return null;
        }
        return from == null ? new AgentStatus.Reexec(null, List.of(), List.of(), failure)
                : new AgentStatus.Reexec(from.fromVersion(), from.adopted(), from.notAdopted(), failure);
    }

    @Override
    public String reexecCheck() {
        if (reexec == null) {
            return "the agent is not ready to re-execute yet";
        }
        return reexec.check();
    }

    @Override
    public void reexecNow() {
        Reexec r = reexec;
        if (r != null) {
            Thread t = new Thread(r::execute, "baton-reexec");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Follows the groups' release sources (at start; a reload follows its new config itself). */
    void followReleases(BatonConfig config) {
        releases.follow(config);
    }

    /** Stops polling release sources (at shutdown). */
    void closeReleases() {
        releases.close();
    }

    /** Set once the cluster started (or could not: {@code problem}). */
    void cluster(Cluster started, String problem) {
        this.cluster = started;
        this.clusterProblem = problem;
    }

    @Override
    public Optional<Cluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    @Override
    public String clusterProblem() {
        return clusterProblem;
    }

    @Override
    public Optional<ProgramStatus> program(String name) {
        return supervisor.snapshot().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    @Override
    public CompletableFuture<ActionResult> start(String name) {
        return actions.start(name);
    }

    @Override
    public CompletableFuture<ActionResult> stop(String name) {
        return actions.stop(name);
    }

    @Override
    public CompletableFuture<ActionResult> restart(String name) {
        return actions.restart(name);
    }

    @Override
    public CompletableFuture<ActionResult> signal(String name, int signal) {
        return actions.signal(name, signal);
    }

    @Override
    public Optional<ProgramLog> log(String name) {
        return logs.find(name);
    }

    @Override
    public List<HandoverRecord> history(int limit) {
        return dev.baton.control.HistoryOrder.merge(List.of(handover.history(limit), operators.all()), limit);
    }

    @Override
    public void operatorAction(String who, String what, String program) {
        operators.record(who, what, program);
    }

    @Override
    public ReloadResult reload(boolean force) {
        Candidate c = candidate(force, "reload refused, everything keeps running as it is");
        if (c.refused() != null) {
            return c.refused();
        }
        BatonConfig next = c.config();
        ReloadResult result = diffResult(onLoop(() -> {
            supervisor.refuseReloadWhileStoppingAll();
            handover.reload(next); // first: the supervisor asks it about holds under the new groups
            return supervisor.reload(next);
        }), next);
        if (!result.notApplied().isEmpty()) {
            log.warn("reload: {}", result.notApplied().get(0));
        }
        emptied.applied(next);
        releases.follow(next);
        return result;
    }

    @Override
    public ReloadResult reread() {
        Candidate c = candidate(false, "reread: a reload would be refused");
        return c.refused() != null ? c.refused()
                : diffResult(onLoop(() -> ConfigDiff.between(supervisor.config(), c.config())), c.config());
    }

    /** The config files as they are now, or why a reload to them is refused (then {@code config} is null). */
    private record Candidate(BatonConfig config, ReloadResult refused) {
    }

    private Candidate candidate(boolean force, String refusal) {
        BatonConfig next;
        try {
            next = ConfigLoader.load(configPath);
        } catch (ConfigException e) {
            log.error("{}; the new configuration has {} problem(s):\n  {}", refusal,
                    e.problems().size(), e.getMessage().replace("\n", "\n  "));
            return new Candidate(null, ReloadResult.invalid(e.problems().stream().map(Object::toString).toList()));
        }
        String problem = HeapNeed.problem(next, Runtime.getRuntime().maxMemory());
        if (problem == null) {
            problem = onLoop(() -> clusterChange(supervisor.config(), next));
        }
        if (problem == null && !force) {
            problem = emptied.problem(next);
            if (problem == null) {
                problem = onLoop(() -> stopsEveryProgram(supervisor.config(), next));
            }
            if (problem == null) {
                problem = onLoop(() -> supervisor.changedProgramsThatCannotStart(next));
            }
        }
        if (problem != null) {
            log.error("{}: {}", refusal, problem);
            return new Candidate(null, ReloadResult.invalid(List.of(problem)));
        }
        return new Candidate(next, null);
    }

    /**
     * The cluster (its settings, which programs are exclusive, their locks, readiness and stop
     * timeouts) is set up once, at start: a reload that changes it is refused, or its timing rules
     * would no longer hold for the running locks.
     */
    static String clusterChange(BatonConfig current, BatonConfig next) {
        if (current == null || java.util.Objects.equals(current.cluster(), next.cluster())) {
            return null;
        }
        return "the [cluster] section or an exclusive program's settings (exclusive, its stop_timeout, its standby"
                + " program) changed: these take effect only when the agent restarts (systemctl restart baton, which"
                + " hands the locks this host holds over first); undo the change to reload the rest";
    }

    /**
     * A config that removes every program is far more often an emptied or truncated file (an
     * editor's crash, a full disk, a botched deploy) than a wish: refused unless forced.
     */
    static String stopsEveryProgram(BatonConfig current, BatonConfig next) {
        if (current == null || current.programs().isEmpty()
                || current.programs().keySet().stream().anyMatch(next.programs()::containsKey)) {
            return null;
        }
        return "the new configuration (" + next.sources().stream().map(Path::toString).collect(
                java.util.stream.Collectors.joining(", ")) + ") removes every program (" + current.programs().size()
                + " now): an empty or truncated file would stop everything. Check the file; to stop and remove them all"
                + " on purpose, run baton reload --force (POST /v1/reload?force=true)";
    }

    /**
     * Validates {@code toml} as a whole main config file (no drop-ins) and says what a reload
     * to it would change.
     */
    @Override
    public ReloadResult check(String toml) {
        BatonConfig candidate;
        Path dir = null;
        Path file = null;
        try {
            dir = Files.createTempDirectory("baton-check-");
            file = dir.resolve("baton.toml");
            Files.writeString(file, toml, StandardCharsets.UTF_8);
            candidate = ConfigLoader.load(file);
        } catch (ConfigException e) {
            String where = file.toString();
            // Problems name the checked document, not the temporary file it was read from.
            return ReloadResult.invalid(e.problems().stream().map(p -> p.toString().replace(where, "(request body)"))
                    .toList());
        } catch (IOException e) {
            throw new ControlException(ControlException.Kind.UNAVAILABLE, "cannot write a temporary file: " + e.getMessage());
        } finally {
            deleteQuietly(dir);
        }
        return diffResult(onLoop(() -> ConfigDiff.between(supervisor.config(), candidate)), candidate);
    }

    @Override
    public List<String> unready() {
        try {
            return loop.call(this::unreadyNow, CALL_TIMEOUT);
        } catch (TimeoutException e) {
            return List.of("the agent's event loop did not answer within " + CALL_TIMEOUT.toSeconds() + "s");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the loop: every program that should run (autostart or an operator's start) and does not, and
     * every one held down because its intent was lost with the state file (nobody knows it should not run).
     */
    private List<String> unreadyNow() {
        List<String> reasons = new ArrayList<>();
        Set<String> resting = restingEngines();
        for (Program p : supervisor.programs()) {
            ProgramStatus s = p.status();
            if (s.hold() != null && !s.state().hasProcess() && supervisor.intentLost(p.name())) {
                reasons.add(p.name() + " is held: " + s.hold());
            } else if (s.hold() == null && shouldRunAndDoesNot(p, s, resting)) {
                reasons.add(notRunning(s));
            }
        }
        reasons.addAll(groupsWithoutActiveEngine());
        return reasons;
    }

    @Override
    public void shutdown() {
        log.info("shutdown asked through the API: stopping every program, then the agent");
        shutdown.run();
    }

    @Override
    public Map<String, String> offTarget() {
        return onLoop(this::offTargetNow);
    }

    /**
     * On the loop. Stricter than readiness, as {@code supervisorctl status} is: a FATAL program
     * counts even when nobody wants it running, and so does a hold that is not the handover's
     * resting of an engine or a standby host's cluster lock (an intent lost with the state file).
     */
    private Map<String, String> offTargetNow() {
        Map<String, String> off = new TreeMap<>();
        Set<String> resting = restingEngines();
        for (Program p : supervisor.programs()) {
            ProgramStatus s = p.status();
            boolean normalHold = resting.contains(p.name()) || supervisor.clusterLock(p.name()) != null;
            if (s.hold() != null && !normalHold) {
                off.put(p.name(), p.name() + " is held: " + s.hold());
            } else if (s.state() == ProcessState.FATAL || s.hold() == null && shouldRunAndDoesNot(p, s, resting)) {
                off.put(p.name(), notRunning(s));
            }
        }
        return off;
    }

    private boolean shouldRunAndDoesNot(Program p, ProgramStatus s, Set<String> resting) {
        return supervisor.wanted(p) && s.state() != ProcessState.RUNNING && !resting.contains(p.name())
                && !finishedAsExpected(p, s);
    }

    private static String notRunning(ProgramStatus s) {
        return s.name() + " is " + s.state() + (s.lastError() != null ? " (" + s.lastError() + ")" : "")
                + ", should be RUNNING";
    }

    /**
     * A group serves only through an ACTIVE engine (whatever an operator stopped): without one the
     * host is not ready. Groups with an engine the cluster runs are the cluster's to judge (a standby
     * host runs none).
     */
    private List<String> groupsWithoutActiveEngine() {
        List<String> reasons = new ArrayList<>();
        for (AgentStatus.GroupStatus g : handover.groups()) {
            boolean clustered = g.engines().stream().anyMatch(e -> supervisor.clusterLock(e.program()) != null);
            if (!clustered && !g.engines().isEmpty() && g.engines().stream().noneMatch(e -> e.role().equals("ACTIVE"))) {
                reasons.add("engine group " + g.name() + " has no ACTIVE engine ("
                        + String.join(", ", g.engines().stream().map(e -> e.program() + " " + e.role()).toList())
                        + (g.error() != null ? "; " + g.error() : "") + ")");
            }
        }
        return reasons;
    }

    private Set<String> restingEngines() {
        Set<String> names = new java.util.HashSet<>();
        status().groups().forEach(g -> g.engines().stream().filter(e -> RESTING_ROLES.contains(e.role()))
                .forEach(e -> names.add(e.program())));
        return names;
    }

    /** A one-shot program (restart = never / on-failure) that exited with an expected code is done. */
    private static boolean finishedAsExpected(Program p, ProgramStatus s) {
        ExitStatus x = s.lastExit();
        return s.state() == ProcessState.EXITED && x != null && !x.bySignal() && p.config().exitCodes().contains(x.code());
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        try {
            return loop.call(task, CALL_TIMEOUT);
        } catch (TimeoutException e) {
            throw new ControlException(ControlException.Kind.UNAVAILABLE,
                    "the agent's event loop did not answer within " + CALL_TIMEOUT.toSeconds() + "s");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The difference, and the agent's own settings {@code next} changes, which only a restart applies. */
    private ReloadResult diffResult(ConfigDiff diff, BatonConfig next) {
        List<String> keys = RestartOnlySettings.changed(started, next);
        return new ReloadResult(true, List.of(), sorted(diff.added()), sorted(diff.removed()), sorted(diff.changed()),
                sorted(diff.unchanged()), keys.isEmpty() ? List.of() : List.of(RestartOnlySettings.note(keys)));
    }

    private static List<String> sorted(Collection<String> names) {
        return names.stream().sorted(Comparator.naturalOrder()).toList();
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.debug("could not remove {}", dir, e);
        }
    }

    /** The kernel's host name: no DNS lookup, so a broken resolver cannot slow the agent down. */
    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown");
        }
    }
}
