package dev.baton.handover;

import dev.baton.time.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The handover decision for one engine group: pure and deterministic (no threads, no I/O, time passed
 * in). Every input returns the {@link Decision}: actions for the supervisor and the events, which are
 * also kept in a bounded history. Not thread-safe: the supervisor's event loop owns it.
 *
 * <h2>The rules</h2>
 * <ul>
 * <li>Roles come from the engine's own lines: a WAITING or NO_LONGER_COMPATIBLE line makes it WAITING
 *     when its own version is above the release it names, SUPERSEDED when below; "Initialised ..."
 *     makes it ACTIVE. An engine that is not ACTIVE is also SUPERSEDED when its known version is below
 *     and incompatible with the group's release. An ACTIVE engine is superseded only by its own word,
 *     save one case: two ACTIVE engines whose versions serve the same releases (twins) keep only the
 *     newer, or the one active first.</li>
 * <li>A superseded engine is idled (per its {@code on_superseded}) only when another engine of the
 *     group, not idle, newer, compatible with the release, running, is ACTIVE or WAITING (about to
 *     take over). So the only engine that could be active is never idled, and a successor still
 *     syncing is waited for (HANDOVER_PENDING) while the old one is kept. No successor installed:
 *     NO_SUCCESSOR; one installed that does not run (or is being stopped): SUCCESSOR_DOWN; both errors,
 *     the old one is kept.</li>
 * <li>Ambiguous lines are recorded (AMBIGUOUS_LINE) and not acted on: versions that did not parse, a
 *     line whose two versions are compatible although it says they are not, and a release older than
 *     the known one until confirmed ({@link ReleaseTracker} defines confirmation).</li>
 * <li>When no engine can serve the release and an idled engine is compatible with it, that engine is
 *     resumed, unless an operator stopped it. If the release went back (ROLLBACK), the newer engines
 *     are left running: they wait by themselves.</li>
 * <li>DO_NOT_RESTART: the engine goes to ERROR and its restarts are held until it is started again.</li>
 * </ul>
 */
public final class EngineGroup {

    public static final int HISTORY_CAPACITY = 500;
    /** Events kept in a snapshot. */
    public static final int SNAPSHOT_HISTORY = 100;

    private final String name;
    private final Compatibility compatibility;
    private final Map<String, Engine> engines = new TreeMap<>(); // name order: deterministic decisions
    private final ReleaseTracker release = new ReleaseTracker();
    /** The sequential model's decisions, or null when versions run side by side. */
    private final SequentialHandover sequential;
    private final EventHistory history = new EventHistory(HISTORY_CAPACITY);
    private Instant lastHandoverAt;
    /** Grows with every change of a role or a process: what readers show may be out of date. */
    private long revision;

    public EngineGroup(String name, Compatibility compatibility) {
        this(name, compatibility, HandoverModel.SIDE_BY_SIDE);
    }

    public EngineGroup(String name, Compatibility compatibility, HandoverModel model) {
        this.name = Objects.requireNonNull(name);
        this.compatibility = Objects.requireNonNull(compatibility);
        this.sequential = model == HandoverModel.SEQUENTIAL ? new SequentialHandover(this) : null;
    }

    public String name() {
        return name;
    }

    /** Grows whenever an engine's role or process changes, also when the change said nothing (no event). */
    public long revision() {
        return revision;
    }

    // ---- inputs ------------------------------------------------------------------------------

    /** A program joins the group (config load or reload). A changed declared version means a new binary: its state is reset. */
    public Decision onEngineAdded(EngineSpec spec, Instant now) {
        Changes c = new Changes(now);
        Engine e = engines.get(spec.program());
        if (e == null) {
            engines.put(spec.program(), new Engine(spec));
        } else {
            e.mode = spec.onSuperseded();
            if (!Objects.equals(e.declared, spec.declaredVersion())) {
                Engine fresh = new Engine(spec);
                fresh.running = e.running;
                fresh.down = e.down;
                fresh.lifetime = e.lifetime;
                engines.put(spec.program(), fresh);
                c.event(HandoverEvent.Kind.VERSION_LEARNED, fresh, name + ": " + spec.program()
                        + " is now declared as version " + spec.declaredVersion() + " (was " + e.declared + "): its state is reset");
            }
        }
        reconcile(c);
        return c.done();
    }

    public Decision onEngineRemoved(String program, Instant now) {
        Changes c = new Changes(now);
        if (engines.remove(program) != null) {
            reconcile(c);
        }
        return c.done();
    }

    public Decision onProcessStarted(String program, Instant now) {
        Engine e = engines.get(program);
        if (e == null) {
            return Decision.NONE;
        }
        Changes c = processUp(e, now);
        e.savedProcessRole = null; // a new process: what the old one said is not about it
        e.processStartedAt = now;
        e.freshProcess = true;
        if (sequential != null) {
            sequential.processStarted(e, c);
        }
        if (sequential != null && sequential.waitsForUpgrade(e, engines.values())) {
            c.event(HandoverEvent.Kind.OPERATOR_OVERRIDE, e, name + ": " + e.label() + " was started by an operator before its"
                    + " upgrade; a binary started before its upgrade height refuses to run (BINARY UPDATED BEFORE TRIGGER)");
        } else if (holds(e)) {
            // Only an operator starts an engine the handover holds (the supervisor asks first, a resume
            // lifts the role before it starts): an override. It runs until it says again what it is.
            c.event(HandoverEvent.Kind.OPERATOR_OVERRIDE, e, name + ": " + e.label() + " was started by an operator although "
                    + (e.role == Role.IDLE ? "the handover idled it" : "it said it must not be restarted")
                    + "; it runs, and is held again if it says so again");
            e.problem = null;
            e.idleSince = null;
            e.supersessionNotice = null;
            e.overridden = true;
        }
        if (e.role != Role.SUPERSEDED && !(e.role == Role.IDLE && !e.mode.holdsRestarts())) {
            setRole(e, Role.UNKNOWN, c); // a new process: what the old one said is not about it
        }
        reconcile(c);
        return c.done();
    }

    /**
     * After a re-exec ({@code baton reexec}): the engine's process, the very one the previous agent ran, was adopted.
     * It runs on, so what it said (ACTIVE, SYNCING, WAITING, restored from the state file) still holds, and its
     * next lines are read as a running engine's. Call after {@link #restore}, before any line.
     */
    public Decision onProcessAdopted(String program, Instant now) {
        Engine e = engines.get(program);
        if (e == null) {
            return Decision.NONE;
        }
        Changes c = processUp(e, now);
        e.processStartedAt = null; // started by the previous agent: not a look at the chain taken after what the group knows
        e.freshProcess = false;
        if (e.savedProcessRole != null && e.role == Role.UNKNOWN) {
            // Said before the re-exec: the role did not change, so no event and the same role_since
            e.role = e.savedProcessRole;
            if (e.role == Role.ACTIVE) {
                e.activeSince = e.roleSince;
            }
        }
        e.savedProcessRole = null;
        reconcile(c);
        return c.done();
    }

    /** The process ended (any exit code: a superseded engine exits 0 like a healthy one); it will be restarted by its policy. */
    public Decision onProcessExited(String program, Instant now) {
        return onProcessDown(program, ProcessDown.RESTARTING, now);
    }

    /** A process of {@code e} runs now (started, or adopted after a re-exec): one more lifetime. */
    private Changes processUp(Engine e, Instant now) {
        revision++;
        e.running = true;
        e.stopping = false;
        e.down = null;
        e.lifetime++;
        return new Changes(now);
    }

    /**
     * The engine's process was told to stop and has not ended yet (it may take its stop timeout):
     * from now on it is no successor, whatever it said, so that no engine is idled for one on its way out.
     */
    public Decision onProcessStopping(String program, Instant now) {
        Engine e = engines.get(program);
        if (e == null || !e.running || e.stopping) {
            return Decision.NONE;
        }
        Changes c = new Changes(now);
        revision++;
        e.stopping = true;
        reconcile(c);
        return c.done();
    }

    /**
     * The engine has no process now, for {@code why}; also called again when the reason changes (an
     * operator stopped an engine that was already down, a restart policy gave up). A role said by the
     * process (ACTIVE, SYNCING, WAITING) ends with it.
     */
    public Decision onProcessDown(String program, ProcessDown why, Instant now) {
        Engine e = engines.get(program);
        if (e == null || (!e.running && e.down == why)) {
            return Decision.NONE;
        }
        Changes c = new Changes(now);
        revision++;
        e.running = false;
        e.stopping = false;
        e.down = why;
        if (e.role == Role.ACTIVE || e.role == Role.SYNCING || e.role == Role.WAITING) {
            setRole(e, Role.UNKNOWN, c);
        }
        reconcile(c);
        return c.done();
    }

    public Decision onRecognition(String program, Recognition r, Instant now) {
        Engine e = engines.get(program);
        if (e == null || r == null) {
            return Decision.NONE;
        }
        Changes c = new Changes(now);
        switch (r.kind()) {
            case STARTED -> started(e, r, c);
            case WAITING, NO_LONGER_COMPATIBLE -> versionReport(e, r, c);
            case ACTIVE -> active(e, r, c);
            case SYNCING -> {
                if (!e.idleOrError() && e.running) {
                    setRole(e, Role.SYNCING, c);
                }
            }
            case DO_NOT_RESTART -> doNotRestart(e, r, c);
            case UPGRADE_NEEDED -> {
                if (sequential != null) { // a profile allows the event only in sequential groups
                    sequential.upgradeNeeded(e, r, c, engines.values());
                }
            }
            // The exit itself arrives as onProcessExited and the restart policy restarts it; the line
            // is kept so the history says what the engine said before it went.
            case EXITING -> c.event(HandoverEvent.Kind.ENGINE_EXITING, e, name + ": " + e.label() + " says why it exits: \""
                    + r.message() + "\" (its restart policy decides the restart)");
        }
        reconcile(c);
        return c.done();
    }

    /** Re-runs the decision without new input (e.g. once after {@link #restore}); usually empty. */
    public Decision reconcile(Instant now) {
        Changes c = new Changes(now);
        reconcile(c);
        return c.done();
    }

    /** A sequential group with a pre-upgrade or backup command: the next version waits for them. */
    public void setUpgradeSteps(boolean configured) {
        if (sequential != null) {
            sequential.hasUpgradeSteps(configured);
        }
    }

    /** At agent start: upgrade steps an agent died while running are run again (their successor is held meanwhile). */
    public Decision resumeUpgradeSteps(Instant now) {
        if (sequential == null) {
            return Decision.NONE;
        }
        Changes c = new Changes(now);
        sequential.resumeSteps(c);
        return c.done();
    }

    /** The upgrade steps of {@link Action.RunUpgradeSteps} ended: {@code failure} null when they succeeded, else why not. */
    public Decision onUpgradeSteps(String program, String failure, Instant now) {
        if (sequential == null) {
            return Decision.NONE;
        }
        Changes c = new Changes(now);
        revision++;
        sequential.stepsDone(program, failure, c, engines.values());
        reconcile(c);
        return c.done();
    }

    // ---- queries -----------------------------------------------------------------------------

    /** True when the supervisor must not start this program (idled with stop or a signal, or in error). */
    public boolean holdsBack(String program) {
        Engine e = engines.get(program);
        return e != null && (holds(e) || (sequential != null && sequential.holds(e, engines.values())));
    }

    /** Why the handover holds this program, in plain words (for operators' "skipped" lists), or null. */
    public String holdWords(String program) {
        Engine e = engines.get(program);
        if (e == null) {
            return null;
        }
        if (!holds(e)) {
            return sequential != null && sequential.holds(e, engines.values()) ? sequential.holdWords(e, engines.values()) : null;
        }
        if (e.role == Role.ERROR) {
            return e.problem != null ? e.problem : e.program + " is in error";
        }
        Version r = release.current();
        return "idled: " + e.label() + " is superseded" + (r == null ? "" : " by release " + r)
                + (e.idleSince == null ? "" : " (idle since " + Timestamps.format(e.idleSince) + ")");
    }

    private static boolean holds(Engine e) {
        return e.role == Role.ERROR || (e.role == Role.IDLE && e.mode.holdsRestarts());
    }

    public Optional<Role> role(String program) {
        return Optional.ofNullable(engines.get(program)).map(e -> e.role);
    }

    public List<HandoverEvent> history() {
        return history.all();
    }

    public GroupView view() {
        Version r = release.current();
        Engine active = engines.values().stream().filter(e -> e.role == Role.ACTIVE)
                .max(Comparator.comparing(Engine::version, Comparator.nullsFirst(Comparator.naturalOrder()))).orElse(null);
        // Side by side: the newest version an engine stands ready with. Sequential: the one that starts at
        // the next halt (the oldest waiting), not one two upgrades away.
        Comparator<Version> nextFirst = sequential != null ? Comparator.reverseOrder() : Comparator.naturalOrder();
        Version next = engines.values().stream().map(this::readyVersion).filter(Objects::nonNull)
                .max(nextFirst).orElse(null);
        List<GroupView.EngineView> views = engines.values().stream().map(e -> new GroupView.EngineView(e.program, e.version(),
                e.role, e.running, r != null && e.version() != null && compatibility.compatible(e.version(), r),
                e.mode.toString(), e.roleSince, e.idleSince, e.problem)).toList();
        List<String> problems = engines.values().stream().map(e -> e.problem).filter(Objects::nonNull).toList();
        return new GroupView(name, r, release.candidate(), active == null ? null : active.version(),
                active == null ? null : active.program, next != null, next, lastHandoverAt, problems, views);
    }

    /** A newer version this engine stands ready with for a future release, or null. */
    private Version readyVersion(Engine e) {
        Version r = release.current();
        if (e.role == Role.WAITING && e.version() != null && (r == null || e.version().isNewerThan(r))
                && (r == null || !compatibility.compatible(e.version(), r))) {
            return e.version();
        }
        return e.next != null && !e.idleOrError() && (r == null || e.next.isNewerThan(r)) ? e.next : null;
    }

    // ---- persistence -------------------------------------------------------------------------

    public GroupSnapshot snapshot() {
        List<GroupSnapshot.EngineSnapshot> es = engines.values().stream().map(e -> new GroupSnapshot.EngineSnapshot(
                e.program, e.declared, e.learned, e.role, e.roleSince, e.idleSince, e.problem)).toList();
        return new GroupSnapshot(GroupSnapshot.FORMAT, name, release.current(), release.previous(), release.changedAt(),
                lastHandoverAt, es, history.tail(SNAPSHOT_HISTORY), sequential == null ? null : sequential.pending());
    }

    /**
     * Rebuilds a group after an agent restart. Engines come from the current config: a saved engine
     * whose declared version is unchanged gets its saved version, role and idle time back, except that
     * ACTIVE and SYNCING become UNKNOWN (the process is new; it will say again). A saved engine no
     * longer configured is dropped; one declared with another version starts fresh. Produces no
     * actions: ask {@link #holdsBack} before starting programs.
     */
    public static EngineGroup restore(GroupSnapshot s, Compatibility compatibility, List<EngineSpec> configured) {
        return restore(s, compatibility, HandoverModel.SIDE_BY_SIDE, configured);
    }

    public static EngineGroup restore(GroupSnapshot s, Compatibility compatibility, HandoverModel model, List<EngineSpec> configured) {
        EngineGroup g = new EngineGroup(s.group(), compatibility, model);
        g.release.restore(s.release(), s.previousRelease(), s.releaseChangedAt());
        g.lastHandoverAt = s.lastHandoverAt();
        g.history.addAll(s.history());
        if (g.sequential != null && s.upgradeSteps() != null && configured.stream()
                .anyMatch(spec -> spec.program().equals(s.upgradeSteps().successor()))) {
            g.sequential.restorePending(s.upgradeSteps());
        }
        Map<String, GroupSnapshot.EngineSnapshot> saved = s.engines().stream()
                .collect(Collectors.toMap(GroupSnapshot.EngineSnapshot::program, Function.identity(), (a, b) -> b));
        for (EngineSpec spec : configured) {
            Engine e = new Engine(spec);
            GroupSnapshot.EngineSnapshot es = saved.get(spec.program());
            if (es != null && Objects.equals(es.declaredVersion(), spec.declaredVersion()) && es.role() != null) {
                e.learned = es.learnedVersion();
                // What a process said ends with it: the processes are new
                boolean said = es.role() == Role.ACTIVE || es.role() == Role.SYNCING || es.role() == Role.WAITING;
                e.role = said ? Role.UNKNOWN : es.role();
                e.savedProcessRole = said ? es.role() : null; // unless the same process is adopted (a re-exec)
                e.roleSince = es.roleSince();
                e.idleSince = es.idleSince();
                e.problem = es.problem();
            }
            g.engines.put(spec.program(), e);
        }
        return g;
    }

    // ---- line handling -----------------------------------------------------------------------

    private void started(Engine e, Recognition r, Changes c) {
        Version before = e.version();
        if (r.own() != null && e.running && e.versionSaidIn == e.lifetime && before != null && r.own().isNewerThan(before)) {
            // A newer version inside the same process: the 1.4+ runner handed over to its new engine
            e.learned = r.own();
            lastHandoverAt = c.now;
            c.event(HandoverEvent.Kind.ENGINE_SWITCHED, e, name + ": " + e.program + " switched from " + before + " to " + r.own()
                    + " inside its process (\"" + r.message() + "\")");
        } else if (r.own() != null) {
            learn(e, r.own(), c);
        }
        if (r.own() != null && e.running) {
            e.versionSaidIn = e.lifetime;
        }
        if (r.next() != null) {
            e.next = r.next();
        } else if (e.next != null && r.own() != null && !e.next.isNewerThan(r.own())) {
            e.next = null; // it runs the version it carried
        }
        // Else a line that names no next version (a library's own "Starting chainflip-engine v1.4.2"
        // greeting inside the runner) leaves the one the runner named: the new library still waits.
        boolean newBinary = r.own() != null && before != null && r.own().compareTo(before) != 0;
        if (e.role == Role.IDLE && newBinary) {
            e.idleSince = null; // another binary than the one idled: judge it afresh
            setRole(e, Role.UNKNOWN, c);
        } else if (!e.idleOrError()) {
            setRole(e, Role.UNKNOWN, c);
        }
    }

    private void versionReport(Engine e, Recognition r, Changes c) {
        boolean nlc = r.kind() == EventKind.NO_LONGER_COMPATIBLE;
        Version own = r.own() != null ? r.own() : (nlc ? e.version() : null);
        if (own == null || r.release() == null) {
            ambiguous(e, "its versions did not parse", r, c);
            return;
        }
        if (compatibility.compatible(own, r.release())) {
            ambiguous(e, "it calls " + own + " incompatible with " + r.release() + ", which the "
                    + compatibility.configName() + " rule calls compatible", r, c);
            return;
        }
        if (r.own() != null) {
            learn(e, r.own(), c);
        }
        observeRelease(e, r, c); // first, so that the role's event names the new release
        // An older release not confirmed yet (a blip, a lagging engine) never demotes an engine that
        // works with the known release; an engine that cannot is judged by its own word.
        Version known = release.current();
        if (e.running && !e.idleOrError() && !compatibility.compatible(own, known)) {
            Version against = known.compareTo(r.release()) == 0 ? known : r.release();
            setRole(e, own.isNewerThan(against) ? Role.WAITING : Role.SUPERSEDED, c);
        }
    }

    private void observeRelease(Engine e, Recognition r, Changes c) {
        Version before = release.current();
        boolean activeAtCurrent = engines.values().stream().anyMatch(f -> f != e && f.role == Role.ACTIVE
                && (f.version() == null || before == null || compatibility.compatible(f.version(), before)));
        switch (release.observe(e.program, e.lifetime, r.release(), activeAtCurrent, freshLook(e, before), c.now)) {
            case FORWARD -> c.event(HandoverEvent.Kind.RELEASE_CHANGED, e, before == null
                    ? name + ": runtime release is " + r.release() + " (seen by " + e.program + ")"
                    : name + ": runtime release changed from " + before + " to " + r.release() + " (seen by " + e.program + ")");
            case CONFIRMED_BACK -> c.event(HandoverEvent.Kind.RELEASE_CHANGED, e, name + ": runtime release went BACK from "
                    + before + " to " + r.release() + " (confirmed, last seen by " + e.program + ")");
            case PENDING -> ambiguous(e, "it reports release " + r.release() + ", older than " + before
                    + " the group knows; recorded, acted on once confirmed by another engine or by this one after a restart", r, c);
            case SAME -> {
            }
        }
    }

    /**
     * The engine that should work at the known release, in a process this agent started after the group
     * learned that release and that has not worked since, says what the chain runs: a look at the chain as
     * independent as a second process lifetime's (the agent or the engine was restarted while the chain
     * rolled back, and this process waits at every block: no other lifetime would ever confirm it).
     */
    private boolean freshLook(Engine e, Version known) {
        Instant changed = release.changedAt();
        return e.running && e.freshProcess && known != null && changed != null && e.processStartedAt != null
                && e.processStartedAt.isAfter(changed) && e.version() != null && compatibility.compatible(e.version(), known);
    }

    private void active(Engine e, Recognition r, Changes c) {
        if (r.own() != null) {
            learn(e, r.own(), c);
        }
        if (e.role != Role.ACTIVE && e.running) { // a line read after its process ended is about nothing that runs
            e.freshProcess = false;
            confirmRollbackBy(e, c);
            e.activeSince = c.now;
            e.idleSince = null;
            e.problem = null;
            e.supersessionNotice = null;
            setRole(e, Role.ACTIVE, c);
        }
    }

    /**
     * An engine starts working at a version the known release does not serve but the older release some
     * line named (pending confirmation) does: the chain went back. The 1.4+ runner says so this way: its
     * new library exits on the older release, and once restarted it runs its old library and works, never
     * naming the release again.
     */
    private void confirmRollbackBy(Engine e, Changes c) {
        Version known = release.current();
        Version back = release.candidate();
        Version v = e.version();
        if (known != null && back != null && v != null && !compatibility.compatible(v, known) && compatibility.compatible(v, back)) {
            release.confirmCandidate(c.now);
            c.event(HandoverEvent.Kind.RELEASE_CHANGED, e, name + ": runtime release went BACK from " + known + " to " + back
                    + " (confirmed: " + e.label() + " works at it)");
        }
    }

    private void doNotRestart(Engine e, Recognition r, Changes c) {
        if (e.role == Role.ERROR) {
            return;
        }
        if (sequential != null && sequential.waitsForUpgrade(e, engines.values())) {
            sequential.startedTooEarly(e, r, c);
            return;
        }
        String fix = r.fix() != null ? r.fix().replace("{program}", e.program)
                : "update it, then start it by hand (baton start " + e.program + ")";
        e.problem = e.program + " must not be restarted: \"" + r.message() + "\": " + fix;
        setRole(e, Role.ERROR, c);
        c.actions.add(new Action.HoldRestarts(e.program, e.problem)); // the status says why and what to do
        c.event(HandoverEvent.Kind.DO_NOT_RESTART, e, name + ": " + e.label() + " says it must not be restarted (\""
                + r.message() + "\"): restarts held, engine in error; " + fix);
    }

    private void learn(Engine e, Version v, Changes c) {
        if (v.equals(e.learned)) {
            return;
        }
        Version known = e.version();
        e.learned = v;
        if (known != null && known.compareTo(v) != 0) {
            c.event(HandoverEvent.Kind.VERSION_LEARNED, e, name + ": " + e.program + " runs version " + v
                    + (e.declared != null && e.declared.compareTo(v) != 0 ? " (config declares " + e.declared + ")" : " (was " + known + ")"));
        }
    }

    /** Said at every block the line is repeated: the history counts the repeats (block hashes aside). */
    private void ambiguous(Engine e, String why, Recognition r, Changes c) {
        c.event(HandoverEvent.Kind.AMBIGUOUS_LINE, e, name + ": not acting on a line of " + e.program + ": " + why
                + ": \"" + r.message() + "\"");
    }

    void setRole(Engine e, Role role, Changes c) {
        if (e.role == role) {
            return;
        }
        e.role = role;
        e.roleSince = c.now;
        revision++;
        Version r = release.current();
        switch (role) {
            case ACTIVE -> c.event(HandoverEvent.Kind.ENGINE_ACTIVE, e, name + ": " + e.label() + " is active");
            case WAITING -> c.event(HandoverEvent.Kind.ENGINE_WAITING, e, name + ": " + e.label()
                    + " is waiting for its release: ready for the next upgrade");
            case SUPERSEDED -> c.event(HandoverEvent.Kind.ENGINE_SUPERSEDED, e, name + ": " + e.label()
                    + " is superseded" + (r == null ? "" : " (release " + r + ")"));
            case SYNCING -> c.event(HandoverEvent.Kind.ENGINE_SYNCING, e, name + ": " + e.label() + " waits for its node to sync");
            default -> {
            }
        }
    }

    // ---- the decision ------------------------------------------------------------------------

    private void reconcile(Changes c) {
        resumeForRelease(c);
        for (Engine e : engines.values()) {
            handleSupersession(e, c);
        }
        if (sequential != null) {
            sequential.reconcile(c, engines.values());
        } else {
            idleTwinActives(c);
        }
    }

    /**
     * Two engines ACTIVE at once whose versions serve the same releases (1.3.0 beside 1.3.1, or one
     * binary configured twice) are one validator identity live twice: the one exception to "an ACTIVE
     * engine is superseded only by its own word". The newer version stays (a patch upgrade), of equal
     * ones the one active first; the others are idled. An engine of unknown version is left alone:
     * nothing says which releases it serves.
     */
    private void idleTwinActives(Changes c) {
        List<Engine> live = engines.values().stream()
                .filter(e -> e.role == Role.ACTIVE && e.running && !e.stopping && e.version() != null).toList();
        for (Engine e : live) {
            Engine kept = live.stream().filter(f -> f != e && f.role == Role.ACTIVE
                    && compatibility.compatible(f.version(), e.version()) && TWIN_RANK.compare(f, e) > 0).findFirst().orElse(null);
            if (kept != null) {
                idle(e, c);
                c.event(HandoverEvent.Kind.ENGINE_IDLED, e, name + ": " + e.label() + " and " + kept.label()
                        + " are both active (one validator identity must not run twice); keeping " + kept.label()
                        + whyKept(kept, e) + "; " + idleWords(e));
            }
        }
    }

    /**
     * Of two twin active engines the greater stays: the one that reaches further (a 1.4+ runner that
     * carries its next version, beside a lone engine of its old one), else the newer version, else the
     * one active first, else by name.
     */
    private static final Comparator<Engine> TWIN_RANK = Comparator.comparing(EngineGroup::reach)
            .thenComparing(Engine::version)
            .thenComparing((Engine x) -> x.activeSince, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing((Engine x) -> x.program, Comparator.reverseOrder());

    /** The newest version the engine runs or will switch to by itself. */
    private static Version reach(Engine e) {
        return carriesNewer(e) ? e.next : e.version();
    }

    private static boolean carriesNewer(Engine e) {
        return e.next != null && e.next.isNewerThan(e.version());
    }

    /** Why {@code kept} outranks {@code e} ({@link #TWIN_RANK}), as the event says it. */
    private static String whyKept(Engine kept, Engine e) {
        if (carriesNewer(kept) && reach(kept).compareTo(reach(e)) > 0) {
            return ", which carries " + kept.next;
        }
        return kept.version().compareTo(e.version()) > 0 ? ", the newer" : ", active first";
    }

    /**
     * No engine can serve the release but an idled one can: resume it. After a rollback the newer
     * engines are left as they are (a newer engine waits by itself, and a running one tells the chain
     * this host is ready for the retried upgrade). An engine an operator stopped is not started.
     */
    private void resumeForRelease(Changes c) {
        Version r = release.current();
        boolean served = r != null && engines.values().stream().anyMatch(e -> serves(e, r));
        for (Engine e : engines.values()) { // a refusal is about one release, while nothing serves it
            if (e.supersessionNotice != null && e.supersessionNotice.startsWith(REFUSED)
                    && (served || !e.supersessionNotice.equals(REFUSED + r))) {
                e.supersessionNotice = null;
                e.problem = null;
            }
        }
        if (r == null || served) {
            return;
        }
        Engine idle = engines.values().stream()
                .filter(e -> e.role == Role.IDLE && e.version() != null && compatibility.compatible(e.version(), r))
                .max(Comparator.comparing(Engine::version)).orElse(null);
        if (idle == null) {
            return;
        }
        if (idle.down == ProcessDown.STOPPED_BY_OPERATOR) {
            if (!(REFUSED + r).equals(idle.supersessionNotice)) {
                idle.supersessionNotice = REFUSED + r;
                idle.problem = "release " + r + " needs " + idle.label() + ", which an operator stopped: start it (baton start "
                        + idle.program + ")";
                c.event(HandoverEvent.Kind.RESUME_REFUSED, idle, name + ": " + idle.problem + "; it stays stopped until then");
            }
            return;
        }
        c.actions.add(new Action.Resume(idle.program));
        idle.idleSince = null;
        idle.supersessionNotice = null;
        idle.problem = null;
        setRole(idle, Role.UNKNOWN, c);
        Version previous = release.previous();
        if (previous == null || !r.isOlderThan(previous)) {
            c.event(HandoverEvent.Kind.ENGINE_RESUMED, idle, name + ": runtime release is " + r + "; resuming the idled "
                    + idle.label() + ", which is compatible with it");
            return;
        }
        List<String> kept = engines.values().stream()
                .filter(f -> f != idle && !f.idleOrError() && f.version() != null && f.version().isNewerThan(r))
                .map(f -> f.label() + (f.down == ProcessDown.STOPPED_BY_OPERATOR ? " stopped (as an operator left it)"
                        : " running (it waits for its release)")).toList();
        c.event(HandoverEvent.Kind.ROLLBACK, idle, name + ": ROLLBACK: runtime release went back from " + previous + " to " + r
                + "; resuming " + idle.label() + (kept.isEmpty() ? "" : "; keeping " + String.join(", ", kept)));
    }

    private static final String REFUSED = "refused ";

    /** The engine can work at release r, now or by itself soon. */
    private boolean serves(Engine e, Version r) {
        if (e.idleOrError()) {
            return false;
        }
        Version v = e.version();
        return (v != null && compatibility.compatible(v, r)) || (v == null && e.role == Role.ACTIVE)
                || (e.next != null && compatibility.compatible(e.next, r));
    }

    /**
     * A superseded engine is idled when a successor is ready; else it is kept and the group says why:
     * a successor on its way (HANDOVER_PENDING), none installed (NO_SUCCESSOR), or one installed that
     * does not run (SUCCESSOR_DOWN). The last two are errors with the operator's fix. Each is said
     * once per situation ({@link Engine#supersessionNotice}).
     */
    private void handleSupersession(Engine e, Changes c) {
        if (e.idleOrError()) {
            return;
        }
        Version r = release.current();
        if (!superseded(e, r)) {
            if (e.supersessionNotice != null && !e.supersessionNotice.startsWith(REFUSED)) {
                e.supersessionNotice = null;
                e.problem = null;
            }
            return;
        }
        Engine successor = readySuccessor(e, r);
        if (successor != null) {
            idle(e, c);
            c.event(HandoverEvent.Kind.ENGINE_IDLED, e, name + ": runtime upgraded to " + r + "; " + successor.label()
                    + (successor.role == Role.ACTIVE ? " is active; " : " is compatible and taking over; ") + idleWords(e));
            return;
        }
        boolean carries = e.next != null && (compatibility.compatible(e.next, r) || e.next.isNewerThan(r));
        List<Engine> candidates = carries ? List.of() : successorCandidates(e, r);
        // Not started yet counts as on its way: at agent start the programs start one after the other
        List<Engine> up = candidates.stream().filter(f -> ((f.running && !f.stopping) || f.down == ProcessDown.NOT_STARTED)
                && f.role != Role.ERROR).toList();
        boolean wasDown = e.supersessionNotice != null && e.supersessionNotice.startsWith("down ");
        if (carries || (!up.isEmpty() && (!wasDown || up.stream().anyMatch(f -> f.role == Role.SYNCING)))) {
            notice(e, "pending " + r, null, HandoverEvent.Kind.HANDOVER_PENDING, c, name + ": " + e.label()
                    + " is superseded by release " + r + "; keeping it until a newer engine is active or waiting ("
                    + (carries ? e.program + " carries " + e.next + " and switches to it by itself"
                    : up.stream().map(f -> f.label() + " is " + f.role.name().toLowerCase()).collect(Collectors.joining(", "))) + ")");
        } else if (!up.isEmpty()) {
            // Down before, running again but silent so far: the error stands until it says it syncs or works.
        } else if (candidates.isEmpty()) {
            String problem = e.label() + " is superseded by release " + r + " and no engine compatible with it is installed in group " + name;
            notice(e, "none " + r, problem, HandoverEvent.Kind.NO_SUCCESSOR, c, name + ": " + problem
                    + ": install one (a program with engine_group = \"" + name + "\", then baton reload); keeping " + e.program + " as it is");
        } else {
            String why = candidates.stream().map(f -> f.label() + " " + (f.role == Role.ERROR
                    ? "must not be restarted: update it, then baton start " + f.program
                    : f.stopping ? "is being stopped"
                    : (f.down == null ? ProcessDown.NOT_STARTED : f.down).words(f.program))).collect(Collectors.joining("; "));
            String problem = e.label() + " is superseded by release " + r + " and its successor does not run: " + why;
            notice(e, "down " + r + " " + why, problem, HandoverEvent.Kind.SUCCESSOR_DOWN, c, name + ": " + problem
                    + "; keeping " + e.program + " as it is");
        }
    }

    /** Says {@code message} unless this engine's situation is already {@code notice}. */
    private void notice(Engine e, String notice, String problem, HandoverEvent.Kind kind, Changes c, String message) {
        if (notice.equals(e.supersessionNotice)) {
            return;
        }
        e.supersessionNotice = notice;
        e.problem = problem;
        c.event(kind, e, message);
    }

    private boolean superseded(Engine e, Version r) {
        if (e.role == Role.SUPERSEDED || e.overridden) {
            return e.role == Role.SUPERSEDED;
        }
        Version v = e.version();
        return e.role != Role.ACTIVE && r != null && v != null && v.isOlderThan(r) && !compatibility.compatible(v, r);
    }

    /**
     * Another engine, not idle, newer, compatible with the release, running (not being stopped) and
     * ACTIVE or WAITING; active ones first. A stopping, stopped, restarting or failed engine is no
     * successor, whatever it said before.
     */
    private Engine readySuccessor(Engine e, Version r) {
        if (r == null) {
            return null;
        }
        return engines.values().stream().filter(f -> f != e && !f.idleOrError() && f.running && !f.stopping)
                .filter(f -> f.version() != null
                        ? (f.role == Role.ACTIVE || f.role == Role.WAITING) && newer(f, e) && compatibility.compatible(f.version(), r)
                        : f.role == Role.ACTIVE && f.activeSince != null && release.changedAt() != null
                                && !f.activeSince.isBefore(release.changedAt()))
                .min(Comparator.comparing((Engine f) -> f.role != Role.ACTIVE).thenComparing(f -> f.program))
                .orElse(null);
    }

    /** The engines that could take over from e at release r, running or not: newer and compatible with r, or of unknown version. */
    private List<Engine> successorCandidates(Engine e, Version r) {
        return engines.values().stream().filter(f -> f != e && f.role != Role.IDLE && (f.version() == null
                || (newer(f, e) && compatibility.compatible(f.version(), r)))).toList();
    }

    private static boolean newer(Engine f, Engine e) {
        return e.version() == null || f.version().isNewerThan(e.version());
    }

    private void idle(Engine e, Changes c) {
        idle(e, e.mode, c);
    }

    void idle(Engine e, IdleMode mode, Changes c) {
        c.actions.add(new Action.Idle(e.program, mode));
        lastHandoverAt = c.now;
        e.idleSince = c.now;
        e.problem = null;
        e.supersessionNotice = null;
        e.overridden = false;
        setRole(e, Role.IDLE, c);
    }

    private static String idleWords(Engine e) {
        return switch (e.mode.kind()) {
            case STOP -> "idling " + e.label();
            case KEEP -> "marking " + e.label() + " idle (on_superseded = \"keep\": it keeps running)";
            case SIGNAL -> "idling " + e.label() + " with " + e.mode.toString().substring("signal ".length());
        };
    }

    /** Actions and events of one input, in order. */
    final class Changes {
        final Instant now;
        final List<Action> actions = new ArrayList<>();
        final List<HandoverEvent> events = new ArrayList<>();

        Changes(Instant now) {
            this.now = Objects.requireNonNull(now);
        }

        void event(HandoverEvent.Kind kind, Engine e, String message) {
            events.add(new HandoverEvent(now, name, kind, e == null ? null : e.program, e == null ? null : e.version(),
                    release.current(), message));
        }

        /** The events as the history keeps them: a repeat comes back as its first occurrence, counted. */
        Decision done() {
            events.replaceAll(history::add);
            return actions.isEmpty() && events.isEmpty() ? Decision.NONE : new Decision(actions, events);
        }
    }
}
