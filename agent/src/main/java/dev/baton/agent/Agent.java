package dev.baton.agent;

import dev.baton.agent.state.ProgramsState;
import dev.baton.agent.state.StateDirectory;
import dev.baton.agent.state.StateFile;
import dev.baton.agent.state.StateWriter;
import dev.baton.api.ApiServer;
import dev.baton.cluster.Cluster;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.LogMode;
import dev.baton.control.AgentStatus;
import dev.baton.control.Control;
import dev.baton.control.ControlException;
import dev.baton.external.ExternalCopyGuard;
import dev.baton.logs.AgentOutput;
import dev.baton.logs.HeapNeed;
import dev.baton.logs.LogPipeline;
import dev.baton.metrics.MetricsEndpoint;
import dev.baton.process.EventLoop;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProgramCgroups;
import dev.baton.process.os.Reaper;
import dev.baton.process.os.Spawner;
import dev.baton.systemd.JournalLines;
import dev.baton.systemd.JournalSink;
import dev.baton.systemd.SdNotify;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent run: load the config, take the state directory, start the programs, serve signals,
 * stop everything in order on SIGTERM and return the exit code.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    /** All programs stopped within their stop timeouts. */
    public static final int EXIT_CLEAN = 0;
    /** Stopped, but some program needed SIGKILL or did not stop within the shutdown timeout. */
    public static final int EXIT_UNCLEAN = 1;
    /** The configuration is invalid, or the JVM keeps SIGTERM from the agent (-Xrs). */
    public static final int EXIT_CONFIG = 2;
    /** The state directory is unusable or locked by another agent. */
    public static final int EXIT_STATE_DIR = 3;

    private final Path configPath;
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private volatile Supervisor supervisor;
    private volatile EventLoop loop;
    private volatile HandoverCoordinator handover;
    private JournalSink journal;
    private volatile AgentControl control;
    private volatile ApiServer api;
    /** Only with [cluster]; the cluster itself is known only through its interface (jetcd loads in Cluster.start). */
    private volatile ClusterPrograms clusterPrograms;
    /** The agent's own short commands (readiness checks, upgrade steps); set before the reaper starts. */
    private volatile ChildCommands commands;
    private volatile Cluster cluster;
    /** The handoff this run started from (after `baton reexec`), else null. */
    private ReexecHandoff reexecFrom;

    public Agent(Path configPath) {
        this.configPath = configPath;
    }

    /** Runs until SIGTERM/SIGINT (or {@link #shutdown(int)}) and returns the exit code. */
    public int run() {
        BatonConfig config;
        try {
            config = ConfigLoader.load(configPath);
        } catch (ConfigException e) {
            System.err.println("baton: the configuration is invalid, nothing was started:");
            e.problems().forEach(p -> System.err.println("  " + p));
            return EXIT_CONFIG;
        }
        String heap = HeapNeed.problem(config, Runtime.getRuntime().maxMemory());
        if (heap != null) {
            System.err.println("baton: the configuration is invalid, nothing was started:\n  " + heap);
            return EXIT_CONFIG;
        }
        // Under systemd with stdout on the journal, program lines go to journald under each
        // program's own identifier (journalctl -t NAME); stdout then carries the agent's own lines.
        JournalSink journal = openJournal(config.agent().logStallTimeout());
        LogMode mode = journal != null ? LogMode.NONE : config.agent().logMode();
        AgentOutput out = AgentOutput.stdout(mode, config.agent().stdoutSpill(), config.agent().logStallTimeout());
        AgentLog.attach(out, mode, journal != null);
        this.journal = journal;
        try (StateDirectory stateDir = StateDirectory.open(config.agent().stateDir())) {
            return run(config, stateDir, out);
        } catch (IOException e) {
            log.error("{}", e.getMessage());
            return EXIT_STATE_DIR;
        } finally {
            AgentLog.detach();
            out.close();
            if (journal != null) {
                journal.close();
            }
        }
    }

    private static JournalSink openJournal(java.time.Duration stall) {
        if (!JournalSink.stdoutIsJournal()) {
            return null;
        }
        try {
            return JournalSink.open(JournalSink.DEFAULT_SOCKET, stall);
        } catch (IOException e) {
            log.warn("stdout is the journal but {} cannot be opened ({}): program lines go to stdout",
                    JournalSink.DEFAULT_SOCKET, e.getMessage());
            return null;
        }
    }

    private int run(BatonConfig config, StateDirectory stateDir, AgentOutput out) {
        Os.becomeChildSubreaper();
        StateFile<ProgramsState> stateFile = new StateFile<>(stateDir.path(), "programs.json", ProgramsState.class,
                StateJson::programs);
        ProgramsState previous = stateFile.load().orElse(null);
        if (previous == null && stateFile.lost() != null) {
            // Fail safe: what the damaged copies still show is kept; every other program is held down.
            previous = ProgramsState.salvage(stateFile.damagedCopies());
            log.error("state: {}; salvaged the intent of {} program(s) from the damaged copies, holding the others "
                    + "down until an operator starts them", stateFile.lost(), previous.programs().size());
        } else if (previous == null) {
            previous = ProgramsState.empty();
        }
        ProgramsState restored = previous;
        Optional<ProgramCgroups> cgroups = ProgramCgroups.detect(stateDir.agentId());
        // After `baton reexec`: the programs the previous version handed over are adopted, not ended.
        List<ReexecHandoff.Handed> adopted = ReexecHandoff.take(stateDir.path(), System.getenv(), Os.pid())
                .map(h -> {
                    reexecFrom = h;
                    return ReexecAdoption.verify(h, config, stateDir.agentId(), cgroups);
                }).orElse(List.of());
        StaleInstances.end(previous, stateDir.agentId(), config.agent().shutdownTimeout().dividedBy(4), cgroups,
                StaleInstances.Adopted.of(adopted, System.getenv().containsKey(ReexecHandoff.NONCE_ENV)));
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove(ReexecHandoff.NONCE_ENV); // the agent's own: never passed on to a program
        env.remove(Os.hangupAfterReexecEnv());

        loop = new EventLoop();
        // Declared first, closed last: what the loop still submits while programs stop is written
        // before the state directory's lock is released.
        try (StateWriter stateWriter = new StateWriter();
             SdNotify notify = SdNotify.fromEnvironment();
             Spawner spawner = new Spawner();
             LogPipeline logs = new LogPipeline(out, config.agent().maxLineBytes());
             ProgramBinaries binaries = new ProgramBinaries(() -> supervisor == null ? null : supervisor.config(),
                     env)) {
            Reaper reaper = new Reaper((pid, status) -> loop.post(() -> onExit(pid, status)));
            commands = new ChildCommands(loop, spawner, reaper::childSpawned, env);
            supervisor = new Supervisor(loop, spawner, reaper::childSpawned, logs, stateFile, stateWriter,
                    stateDir.agentId(), env);
            supervisor.setCgroups(cgroups);
            supervisor.adoptAtBegin(adopted, reexecFrom == null || reexecFrom.ended() == null ? Map.of() : reexecFrom.ended(),
                    reexecFrom == null || reexecFrom.shown() == null ? Map.of() : reexecFrom.shown());
            StateFile<HandoverCoordinator.HandoverState> handoverFile = new StateFile<>(stateDir.path(), "handover.json",
                    HandoverCoordinator.HandoverState.class, new StateJson.Handover());
            handover = new HandoverCoordinator(loop, handoverFile, stateWriter, commands::run);
            // Engines and exclusive programs never start next to a copy running outside baton (slashing).
            ExternalCopyGuard external = new ExternalCopyGuard(config, Os.pid(), env);
            supervisor.setStartGate(program -> {
                String copy = external.holdReason(program);
                return copy != null ? copy : handover.holdReason(program);
            });
            supervisor.addListener(handover);
            if (config.cluster() != null) {
                ClusterPrograms managed = new ClusterPrograms(loop, supervisor, commands, config.cluster().managedPrograms());
                clusterPrograms = managed;
                supervisor.setLaunchGate(managed);
                supervisor.setClusterLocks(config.cluster().managedPrograms());
                supervisor.addListener(managed);
                supervisor.setStartGate(program -> {
                    String held = managed.holdReason(program);
                    held = held != null ? held : external.holdReason(program);
                    return held != null ? held : handover.holdReason(program);
                });
            }
            logs.addListener(handover);
            if (journal != null) {
                logs.addListener(new JournalLines(journal, logs::find));
            }
            SystemdNotifier systemd = new SystemdNotifier(notify, supervisor::snapshot, handover::groups);
            systemd.heartbeat(() -> cluster == null ? null : cluster.heartbeatAge());
            supervisor.addListener(systemd);
            if (config.agent().exitOnFatal()) {
                supervisor.addListener(this::exitOnFatal);
            }
            supervisor.addListener(binaries::stateChanged);
            OperatorLog operators = new OperatorLog(new StateFile<>(stateDir.path(), OperatorLog.FILE,
                    OperatorLog.Saved.class), stateWriter);
            control = new AgentControl(configPath, config, loop, supervisor, handover, logs, stateFile, operators,
                    binaries.digests(), exitCode::isDone, () -> shutdown(0));
            Reexec reexec = new Reexec(configPath, stateDir.path(), loop, supervisor, logs, stateWriter, spawner, reaper,
                    commands, notify, () -> cluster, new Reexec.Api() {
                        @Override
                        public void stop() {
                            ApiServer a = api;
                            api = null;
                            if (a != null) {
                                a.close();
                            }
                        }

                        @Override
                        public void start() {
                            api = startApi(config, stateDir.path());
                        }
                    });
            control.reexec(reexec, reexecFrom == null ? null : new AgentStatus.Reexec(reexecFrom.fromVersion(),
                    adopted.stream().map(ReexecHandoff.Handed::program).toList(),
                    reexecFrom.instances().stream().map(ReexecHandoff.Handed::program)
                            .filter(p -> adopted.stream().noneMatch(a -> a.program().equals(p))).toList(), null));
            String unstoppable = AgentSignals.install(this);
            if (unstoppable != null && reexecFrom != null) {
                // The programs already run as this process's children: exiting now would leave them without
                // their supervisor (and with the unit's cgroup, kill them). Going on keeps what ran before the exec.
                log.error("{}; the agent goes on, since it was re-executed with its programs running: restart it "
                        + "without -Xrs, from a parent that does not ignore SIGTERM", unstoppable);
            } else if (unstoppable != null) {
                log.error("{}: nothing was started", unstoppable);
                return EXIT_CONFIG;
            }
            log.info("baton {} started (pid {}{}), config {}, {} program(s){}", dev.baton.cli.Main.Version.get(),
                    Os.pid(), Os.pid() == 1 ? ", PID 1" : "", configPath, config.programs().size(),
                    reexecFrom == null ? "" : ", re-executed in place from baton " + reexecFrom.fromVersion()
                            + ", adopted " + adopted.size() + " of " + reexecFrom.instances().size() + " running program(s)");
            loop.post(() -> {
                handover.begin(config, supervisor);
                holdWhatLostItsIntent(config, restored, stateFile, handoverFile);
                supervisor.begin(config, restored);
                systemd.ready(loop);
            });
            // After begin is queued: an adopted program's exit (a zombie since the exec) is judged once it is adopted.
            reaper.start();
            startCluster(config, stateDir.path());
            control.followReleases(config);
            api = startApi(config, stateDir.path());
            int code = exitCode.join();
            systemd.stopping();
            closeCluster();
            int stopCode = stopEverything(config.agent().shutdownTimeout());
            cgroups.ifPresent(ProgramCgroups::close);
            reaper.close();
            return code >= 0 ? code : stopCode;
        } finally {
            if (control != null) {
                control.closeReleases();
            }
            if (api != null) {
                api.close();
            }
            loop.close();
        }
    }

    /**
     * A state file and its last good copy both damaged: the programs whose intent went with them
     * stay down until an operator starts them (programs.json: those not salvaged; handover.json:
     * every engine, as any of them may have been idled). On the loop, before the supervisor begins.
     */
    private void holdWhatLostItsIntent(BatonConfig config, ProgramsState restored, StateFile<ProgramsState> programsFile,
                                       StateFile<HandoverCoordinator.HandoverState> handoverFile) {
        if (programsFile.lost() != null) {
            supervisor.intentUnknown(config.programs().keySet().stream()
                    .filter(name -> !restored.programs().containsKey(name)).toList(), programsFile.lost()
                    + " (whether an operator stopped these is unknown)");
        }
        if (handoverFile.lost() != null) {
            log.error("state: {}; holding every engine down until an operator starts it", handoverFile.lost());
            supervisor.intentUnknown(config.programs().values().stream().filter(p -> p.isEngine())
                    .map(p -> p.name()).toList(), handoverFile.lost() + " (which engine was idled is unknown)");
        }
    }

    /** A child exited: one of the agent's own commands, else a program's (on the loop). */
    private void onExit(int pid, dev.baton.process.os.ExitStatus status) {
        if (!commands.onExit(pid, status)) {
            supervisor.onExit(pid, status);
        }
    }

    /**
     * With [cluster]: connects to etcd in the background (never blocks on it). When the cluster cannot
     * even be set up, the agent goes on without it and its exclusive programs stay stopped.
     */
    private void startCluster(BatonConfig config, Path stateDir) {
        if (clusterPrograms == null) {
            return;
        }
        try {
            Cluster started = AgentCluster.start(config.cluster(), stateDir, clusterPrograms, control::status);
            cluster = started;
            control.cluster(started, null);
            supervisor.addListener((status, from) -> {
                Cluster c = cluster; // null once closed
                if (c != null) {
                    c.inventoryChanged();
                }
            });
            log.info("cluster: host {}, etcd {}, {} exclusive program(s)", config.cluster().settings().host(),
                    config.cluster().settings().endpoints(), config.cluster().exclusive().size());
        } catch (RuntimeException e) {
            log.error("cluster: not started, its exclusive programs stay stopped: {}", e.getMessage());
            control.cluster(null, e.getMessage());
        }
    }

    /**
     * Before the programs stop: the holder stops its exclusive program, sees it exit and releases the
     * lock, so that a standby takes over at once instead of after the lease expires.
     */
    private void closeCluster() {
        Cluster c = cluster;
        if (c == null) {
            return;
        }
        cluster = null; // the state listener and the watchdog gate stop using it
        log.info("cluster: handing over the locks this host holds");
        try {
            c.close();
        } catch (RuntimeException e) {
            log.error("cluster: shutdown incomplete: {}", e.getMessage());
        }
    }

    /** The HTTP control API; when it cannot start, that is logged and supervision goes on without it. */
    private ApiServer startApi(BatonConfig config, Path stateDir) {
        if (!config.api().enabled()) {
            return null;
        }
        try {
            return ApiServer.start(config.api(), stateDir, control, new MetricsEndpoint(control));
        } catch (IOException e) {
            log.error("api: not started, the agent goes on without it: {}", e.getMessage());
            return null;
        }
    }

    /** What the API and metrics see and may do; null before the supervisor exists. */
    public Control control() {
        return control;
    }

    /** Ends the run: programs are stopped in reverse priority, then {@code run()} returns. */
    public void shutdown(int code) {
        exitCode.complete(code);
    }

    /** Re-reads the config; a broken one changes nothing and says why (the API's reload takes the same path). */
    public void reload() {
        try {
            control.reload();
        } catch (ControlException e) {
            log.error("reload failed: {}", e.getMessage());
        }
    }

    /** Forwards a signal to every running program (PID 1 duty for signals baton does not handle itself). */
    public void forward(int signal) {
        loop.post(() -> supervisor.programs().forEach(p -> p.signal(signal)));
    }

    public Supervisor supervisor() {
        return supervisor;
    }

    public HandoverCoordinator handover() {
        return handover;
    }

    /** What the cluster drives; null without [cluster]. */
    ClusterPrograms clusterPrograms() {
        return clusterPrograms;
    }

    private int stopEverything(Duration limit) {
        log.info("stopping all programs");
        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        loop.post(() -> supervisor.stopAll().whenComplete((clean, err) -> stopped.complete(err == null && clean)));
        try {
            boolean clean = stopped.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            log.info("all programs stopped{}", clean ? "" : " (some needed SIGKILL)");
            return clean ? EXIT_CLEAN : EXIT_UNCLEAN;
        } catch (TimeoutException e) {
            log.error("programs did not stop within shutdown_timeout {}: killing what is left", limit);
            killEverything();
            return EXIT_UNCLEAN;
        } catch (Exception e) {
            log.error("stopping failed", e);
            killEverything();
            return EXIT_UNCLEAN;
        }
    }

    private void killEverything() {
        try {
            loop.call(() -> {
                supervisor.programs().forEach(p -> p.signal(dev.baton.process.os.Signals.SIGKILL));
                return null;
            }, Duration.ofSeconds(5));
        } catch (Exception e) {
            log.error("could not kill the remaining programs", e);
        }
    }

    /** Container mode: a program that went FATAL ends the agent with that program's code. */
    private void exitOnFatal(ProgramStatus status, ProcessState from) {
        if (status.state() == ProcessState.FATAL) {
            int code = status.lastExit() != null && status.lastExit().shellCode() != 0 ? status.lastExit().shellCode() : 1;
            log.error("{} is FATAL and exit_on_fatal is set: stopping everything, exit code {}", status.name(), code);
            shutdown(code);
        }
    }

    /** For tests and the demo: the current status of every program. */
    public Map<String, ProgramStatus> statusByName() {
        Supervisor s = supervisor;
        return s == null ? Map.of() : s.snapshot().stream()
                .collect(java.util.stream.Collectors.toMap(ProgramStatus::name, x -> x));
    }
}
