package dev.baton.agent;

import dev.baton.agent.state.StateFile;
import dev.baton.agent.state.StateWriter;
import dev.baton.config.BatonConfig;
import dev.baton.config.EngineGroupConfig;
import dev.baton.config.ProgramConfig;
import dev.baton.config.UpgradeSteps;
import dev.baton.control.AgentStatus;
import dev.baton.control.HandoverRecord;
import dev.baton.handover.Action;
import dev.baton.handover.Decision;
import dev.baton.handover.EngineGroup;
import dev.baton.handover.EngineSpec;
import dev.baton.handover.GroupSnapshot;
import dev.baton.handover.GroupView;
import dev.baton.handover.HandoverEvent;
import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProcessDown;
import dev.baton.handover.Recognition;
import dev.baton.logs.RunListener;
import dev.baton.logs.StreamKind;
import dev.baton.process.EventLoop;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramStatus;
import dev.baton.time.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the engine groups' decisions to real processes. Lines are recognised on the log
 * reader thread (cheap: most lines are dismissed by a byte pre-filter); only recognitions are
 * posted to the event loop, where the group decides and its actions are carried out on the
 * programs. Group state is persisted after every change, so an idled engine stays idle across
 * agent and host restarts.
 */
public final class HandoverCoordinator implements RunListener, Supervisor.Listener, Supervisor.StartGate {
    private static final Logger log = LoggerFactory.getLogger("dev.baton.handover");

    /** {@code handover.json}: every group's snapshot. */
    public record HandoverState(int version, Map<String, GroupSnapshot> groups) implements StateFile.Checked {
        @Override
        public String invalidBecause() {
            if (version < 1 || groups == null) {
                return "no format version or no groups: not a handover.json written by baton";
            }
            return groups.containsValue(null) ? "a group without its state" : null;
        }
    }

    private final EventLoop loop;
    private final StateFile<HandoverState> stateFile;
    private final StateWriter stateWriter;
    /** Runs the agent's own commands (upgrade steps) and tells their end; blocks. */
    private final BiFunction<List<String>, Duration, ChildCommands.Result> commands;
    private Supervisor supervisor;
    private BatonConfig config;
    private final Map<String, EngineGroup> groups = new TreeMap<>();
    /** Program name to its group's recognizer; replaced whole on reload, read by the reader thread. */
    private volatile Map<String, LineRecognizer> recognizers = Map.of();
    /*
     * Each group's status, history and snapshot as last published, refreshed only for the groups
     * an input reached (a handover touches one group; rebuilding all of them, with 500 events of
     * history each, on the loop at every step was a millisecond of the loop and most of its garbage).
     */
    private final Map<String, AgentStatus.GroupStatus> statusByGroup = new TreeMap<>();
    private final Map<String, List<HandoverEvent>> historyByGroup = new TreeMap<>();
    private final Map<String, GroupSnapshot> snapshotByGroup = new TreeMap<>();
    /** Groups an input reached since their last refresh (a decision without events may still change a group). */
    private final Set<EngineGroup> touched = new LinkedHashSet<>();
    /** Each group's {@link EngineGroup#revision()} as last published. */
    private final Map<EngineGroup, Long> published = new HashMap<>();
    private volatile List<AgentStatus.GroupStatus> view = List.of();
    private volatile List<List<HandoverEvent>> histories = List.of();

    public HandoverCoordinator(EventLoop loop, StateFile<HandoverState> stateFile, StateWriter stateWriter,
                               BiFunction<List<String>, Duration, ChildCommands.Result> commands) {
        this.loop = loop;
        this.commands = commands;
        this.stateFile = stateFile;
        this.stateWriter = stateWriter;
    }

    /** Restores the groups from the state directory (before any program starts). On the loop. */
    public void begin(BatonConfig config, Supervisor supervisor) {
        this.supervisor = supervisor;
        this.config = config;
        Map<String, GroupSnapshot> saved = stateFile.load().map(HandoverState::groups).orElse(Map.of());
        Instant now = Instant.now();
        for (EngineGroupConfig gc : config.groups().values()) {
            List<EngineSpec> specs = specs(config, gc);
            GroupSnapshot snapshot = saved.get(gc.name());
            EngineGroup group = snapshot != null
                    ? EngineGroup.restore(snapshot, gc.profile().compatibility(), gc.profile().handover(), specs)
                    : new EngineGroup(gc.name(), gc.profile().compatibility(), gc.profile().handover());
            if (snapshot == null) {
                specs.forEach(s -> group.onEngineAdded(s, now));
            } else {
                log.info("{}: restored: release {}, {}", gc.name(), snapshot.release(), describeRoles(group.view()));
            }
            group.setUpgradeSteps(gc.upgradeSteps() != null);
            groups.put(gc.name(), group);
        }
        recognizers = recognizersFor(config);
        refreshAll();
        publish();
        groups.values().forEach(g -> apply(g, g.resumeUpgradeSteps(now)));
    }

    /**
     * Applies a new config's groups: engines join and leave, recognizers follow. On the loop,
     * before the supervisor applies the same config (so it asks about holds with the new groups).
     */
    public void reload(BatonConfig config) {
        this.config = config;
        Instant now = Instant.now();
        Map<String, EngineGroup> next = new TreeMap<>();
        for (EngineGroupConfig gc : config.groups().values()) {
            EngineGroup group = groups.getOrDefault(gc.name(),
                    new EngineGroup(gc.name(), gc.profile().compatibility(), gc.profile().handover()));
            group.setUpgradeSteps(gc.upgradeSteps() != null);
            List<EngineSpec> specs = specs(config, gc);
            group.view().engines().stream().map(GroupView.EngineView::program)
                    .filter(p -> specs.stream().noneMatch(s -> s.program().equals(p)))
                    .forEach(p -> apply(group, group.onEngineRemoved(p, now)));
            specs.forEach(s -> apply(group, group.onEngineAdded(s, now)));
            next.put(gc.name(), group);
        }
        groups.clear();
        groups.putAll(next);
        recognizers = recognizersFor(config);
        refreshAll();
        persist(true);
        publish();
    }

    // ---- inputs ----------------------------------------------------------------------------

    /** On the log reader thread: recognise, and post only what was recognised. */
    @Override
    public void onLine(String program, StreamKind stream, byte[] buf, int off, int len) {
        LineRecognizer recognizer = recognizers.get(program);
        if (recognizer != null) {
            recognize(program, recognizer, buf, off, len);
        }
    }

    /** On the log reader thread: {@link #onLine} for each line of a run, the program's recogniser looked up once. */
    @Override
    public void onRun(String program, StreamKind stream, byte[] buf, int off, int[] ends, int count) {
        LineRecognizer recognizer = recognizers.get(program);
        if (recognizer != null) {
            for (int i = 0, start = off; i < count; start = ends[i++] + 1) {
                recognize(program, recognizer, buf, start, ends[i] - start);
            }
        }
    }

    private void recognize(String program, LineRecognizer recognizer, byte[] buf, int off, int len) {
        Recognition r = recognizer.recognize(buf, off, len);
        if (r != null) {
            Instant at = Instant.now();
            loop.post(() -> onRecognition(program, r, at));
        }
    }

    void onRecognition(String program, Recognition r, Instant at) {
        EngineGroup group = groupOf(program);
        if (group != null) {
            apply(group, group.onRecognition(program, r, at));
        }
    }

    @Override
    public void stateChanged(ProgramStatus status, ProcessState from) {
        EngineGroup group = groupOf(status.name());
        if (group == null) {
            return;
        }
        ProcessState to = status.state();
        if (to == ProcessState.STARTING) {
            apply(group, group.onProcessStarted(status.name(), Instant.now()));
        } else if (to == ProcessState.STOPPING) {
            apply(group, group.onProcessStopping(status.name(), Instant.now()));
        } else if (!to.hasProcess()) {
            // Every change while down too: BACKOFF turning FATAL changes what an operator must do
            apply(group, group.onProcessDown(status.name(), down(status.name(), to), Instant.now()));
        }
    }

    /** After a re-exec: the engine's process runs on, adopted, and what it said before still holds. */
    @Override
    public void adopted(String program) {
        EngineGroup group = groupOf(program);
        if (group != null) {
            apply(group, group.onProcessAdopted(program, Instant.now()));
        }
    }

    /** An operator stopped an engine that was already down (idled, say): a resume must not start it. */
    @Override
    public void desiredChanged(String program, boolean wanted) {
        EngineGroup group = groupOf(program);
        Program p = supervisor.program(program);
        if (group != null && p != null && !p.state().hasProcess()) {
            apply(group, group.onProcessDown(program, down(program, p.state()), Instant.now()));
        }
    }

    private ProcessDown down(String program, ProcessState state) {
        Program p = supervisor.program(program);
        if (p != null && !supervisor.wanted(p)) {
            return ProcessDown.STOPPED_BY_OPERATOR;
        }
        return switch (state) {
            case BACKOFF -> ProcessDown.RESTARTING;
            case FATAL, EXITED -> ProcessDown.GAVE_UP;
            default -> ProcessDown.STOPPED;
        };
    }

    /** An engine idled (or in error) stays down across agent restarts: the supervisor asks here first. */
    @Override
    public String holdReason(String program) {
        EngineGroup group = groupOf(program);
        String words = group == null ? null : group.holdWords(program);
        return words == null ? null : heldBy(group) + words + ")";
    }

    private static String heldBy(EngineGroup group) {
        return "held by the " + group.name() + " handover (";
    }

    // ---- carrying out decisions ------------------------------------------------------------

    private void apply(EngineGroup group, Decision d) {
        touched.add(group);
        if (d.events().isEmpty() && d.actions().isEmpty() && Long.valueOf(group.revision()).equals(published.get(group))) {
            return; // nothing an operator could see changed
        }
        // Actions first (an idle is a stop signal): the log lines and the state file follow it
        for (Action a : d.actions()) {
            carryOut(group, a);
        }
        boolean news = !d.actions().isEmpty();
        for (HandoverEvent e : d.events()) {
            news |= e.count() == 1;
            if (Integer.bitCount(e.count()) != 1) {
                continue; // a repeat: said at 1, 2, 4, 8... times, so a line repeated every block is not a log line every block
            }
            String text = logText(e);
            switch (e.kind().severity()) {
                case ERROR -> log.error("{}", text);
                case WARN -> log.warn("{}", text);
                default -> log.info("{}", text);
            }
        }
        touched.add(group); // again: a nested decision (a stop's state change) may have refreshed and cleared it
        touched.forEach(this::refresh);
        touched.clear();
        persist(news); // a repeat's count need not reach the disk before the next block
        publish();
    }

    private void carryOut(EngineGroup group, Action action) {
        if (action instanceof Action.Idle idle) {
            Program p = supervisor.program(idle.program());
            if (p != null) {
                String why = "idled by the " + group.name() + " handover (superseded)";
                switch (idle.mode().kind()) {
                    case STOP -> p.holdAndStop(why, null);
                    case SIGNAL -> {
                        p.setHold(why);
                        p.signal(idle.mode().signal());
                    }
                    case KEEP -> { }
                }
            }
        } else if (action instanceof Action.Resume resume) {
            Program p = supervisor.program(resume.program());
            if (p != null && supervisor.wanted(p)) { // what an operator stopped stays stopped (the group knows it too)
                log.warn("{}: starting {} again (rollback, or the release moved back to its version)", group.name(), p.name());
                if (p.state() == ProcessState.STOPPING) {
                    // The idle's stop is still under way (up to its stop_timeout): a start now would be lost
                    p.stop(() -> resumeStopped(group, p));
                } else {
                    p.start();
                }
            }
        } else if (action instanceof Action.Start next) {
            Program p = supervisor.program(next.program());
            if (p != null && supervisor.wanted(p)) { // the group refused already if an operator stopped it
                p.start();
            }
        } else if (action instanceof Action.RunUpgradeSteps steps) {
            runUpgradeSteps(group, steps.program());
        } else if (action instanceof Action.HoldRestarts hold) {
            Program p = supervisor.program(hold.program());
            if (p != null) {
                if (p.state() == ProcessState.BACKOFF) {
                    p.holdAndStop(hold.reason(), null); // its exit was judged already: call the restart off
                } else {
                    p.setHold(hold.reason());
                }
            }
        }
    }

    /** Starts an engine resumed while it was still stopping, unless it was removed, stopped by an operator or held again meanwhile. */
    private void resumeStopped(EngineGroup group, Program p) {
        if (supervisor.isCurrent(p) && supervisor.wanted(p) && groups.get(group.name()) == group
                && !group.holdsBack(p.name())) {
            p.start();
        }
    }

    /** The pre-upgrade and backup commands on a thread of their own (they may take an hour); their end goes back to the loop. */
    private void runUpgradeSteps(EngineGroup group, String program) {
        EngineGroupConfig gc = config.groups().get(group.name());
        UpgradeSteps steps = gc == null ? null : gc.upgradeSteps();
        Thread t = new Thread(() -> {
            String failure = UpgradeStepCommands.run(steps, commands);
            loop.post(() -> {
                if (groups.get(group.name()) == group) {
                    apply(group, group.onUpgradeSteps(program, failure, Instant.now()));
                }
            });
        }, "upgrade-steps-" + group.name());
        t.setDaemon(true);
        t.start();
    }

    // ---- read model ------------------------------------------------------------------------

    public List<AgentStatus.GroupStatus> groups() {
        return view;
    }

    /** The newest {@code limit} events of all groups, oldest first. Built here, on the caller's thread: reads are rare. */
    public List<HandoverRecord> history(int limit) {
        List<List<HandoverRecord>> byGroup = new ArrayList<>();
        for (List<HandoverEvent> events : histories) {
            byGroup.add(events.stream().map(e -> new HandoverRecord(e.at(), e.group(), e.kind().name(), e.program(),
                    e.message(), e.count(), e.lastAt(), null)).toList());
        }
        return dev.baton.control.HistoryOrder.merge(byGroup, limit);
    }

    private void refreshAll() {
        statusByGroup.clear();
        published.clear();
        historyByGroup.clear();
        snapshotByGroup.clear();
        touched.clear();
        groups.values().forEach(this::refresh);
    }

    private void refresh(EngineGroup g) {
        if (groups.get(g.name()) != g) {
            return; // removed by a reload meanwhile
        }
        published.put(g, g.revision());
        GroupView v = g.view();
        v.engines().forEach(e -> refreshHold(g, e.program()));
        List<AgentStatus.EngineStatus> engines = v.engines().stream().map(e -> new AgentStatus.EngineStatus(
                e.program(), Objects.toString(e.version(), null), e.role().name(), e.roleSince())).toList();
        statusByGroup.put(g.name(), new AgentStatus.GroupStatus(v.group(), profileOf(g), Objects.toString(v.release(), null),
                Objects.toString(v.activeVersion(), null), v.upgradeReady(), Objects.toString(v.nextVersion(), null), v.lastHandoverAt(),
                v.problems().isEmpty() ? null : String.join("; ", v.problems()), engines));
        historyByGroup.put(g.name(), g.history());
        snapshotByGroup.put(g.name(), g.snapshot());
    }

    /**
     * A program held back by the group keeps the words of when it was held: brought up to date, so a
     * version waiting for a later upgrade names the version that runs now, not one that halted since.
     */
    private void refreshHold(EngineGroup g, String program) {
        Program p = supervisor.program(program);
        String held = p == null ? null : p.hold();
        if (held != null && held.startsWith(heldBy(g))) {
            String now = holdReason(program);
            if (now != null) {
                p.setHold(now);
            }
        }
    }

    private void publish() {
        view = List.copyOf(statusByGroup.values());
        histories = List.copyOf(historyByGroup.values());
    }

    private String profileOf(EngineGroup g) {
        EngineGroupConfig gc = config.groups().get(g.name());
        return gc == null ? null : gc.profile().name();
    }

    private void persist(boolean durable) {
        Map<String, GroupSnapshot> snaps = new TreeMap<>(snapshotByGroup);
        // Durable: an idled engine must stay idle after a power loss, or both engines would run. In
        // the background: the idle's stop signal is out already, and a restart before the write
        // lands sees the old engine's line again and idles it again.
        stateWriter.submit(stateFile, new HandoverState(GroupSnapshot.FORMAT, Collections.unmodifiableMap(snaps)), durable);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private EngineGroup groupOf(String program) {
        ProgramConfig pc = config == null ? null : config.programs().get(program);
        return pc == null || !pc.isEngine() ? null : groups.get(pc.engine().group());
    }

    private static List<EngineSpec> specs(BatonConfig config, EngineGroupConfig gc) {
        return gc.programs().stream().map(n -> EngineSpec.of(n, config.programs().get(n).engine())).toList();
    }

    private static Map<String, LineRecognizer> recognizersFor(BatonConfig config) {
        Map<String, LineRecognizer> byProfile = new HashMap<>();
        Map<String, LineRecognizer> out = new HashMap<>();
        for (EngineGroupConfig gc : config.groups().values()) {
            LineRecognizer r = byProfile.computeIfAbsent(gc.profile().name(), n -> new LineRecognizer(gc.profile()));
            gc.programs().forEach(p -> out.put(p, r));
        }
        return Map.copyOf(out);
    }

    private static String describeRoles(GroupView v) {
        StringBuilder sb = new StringBuilder();
        v.engines().forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(e.program()).append(' ')
                .append(e.role()).append(e.version() == null ? "" : " (" + e.version() + ")"));
        return sb.toString();
    }

    /** The agent's log line of an event; a repeat says how often, with times as every baton time (three fraction digits). */
    static String logText(HandoverEvent e) {
        return e.count() == 1 ? e.message()
                : e.message() + " (" + e.count() + " times since " + Timestamps.format(e.at()) + ", last "
                + Timestamps.format(e.lastAt()) + ")";
    }
}
