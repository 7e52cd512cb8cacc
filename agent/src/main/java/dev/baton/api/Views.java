package dev.baton.api;

import dev.baton.control.ActionResult;
import dev.baton.control.AgentStatus;
import dev.baton.control.HandoverRecord;
import dev.baton.control.ReloadResult;
import dev.baton.logs.LogLine;
import dev.baton.logs.ProgramLog;
import dev.baton.process.ProgramStatus;
import dev.baton.releases.PublishedRelease;
import dev.baton.time.Timestamps;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.RunningBinaries;
import dev.baton.process.os.Signals;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The API's documents. They are the contract with operators' scripts (docs/api.md), so they are
 * made here from the agent's read model instead of serialising its records directly: a field
 * renamed inside the agent does not change the API.
 */
final class Views {
    private Views() {
    }

    record Status(AgentInfo agent, ApiInfo api, List<Program> programs, List<Group> groups) {
    }

    /**
     * Where the API listens: {@code url} null while the TCP port cannot be bound ({@code problem}
     * says why; the agent keeps trying); {@code unixSocket} null when the socket could not be made.
     */
    record ApiInfo(String url, String problem, String unixSocket, String unixSocketProblem) {
    }

    record AgentInfo(String version, long pid, String host, String startedAt, long uptimeSeconds, String configFile,
                     String stateProblem, AgentStatus.Reexec reexec) {
    }

    /** {@code POST /v1/reexec}'s answer: 202, re-executing (a refusal is a 409 error that says why). */
    record Reexec(boolean ok, String message, String fromVersion, long pid) {
    }

    /**
     * One program; {@code group}, {@code version} and {@code role} are null for programs outside
     * an engine group. {@code binary} and {@code binarySha256}: what its process runs (read through
     * /proc/PID/exe), null while it has no process or before the digest is known.
     */
    record Program(String name, String state, String since, int pid, String startedAt, long uptimeSeconds,
                   int restarts, Exit lastExit, String lastExitAt, String lastError, String hold, int priority,
                   String group, String version, String role, String binary, String binarySha256) {
    }

    /** {@code code} when it exited, {@code signal} (e.g. SIGKILL) when a signal ended it. */
    record Exit(Integer code, String signal, String text) {
    }

    record Group(String name, String profile, String release, String active, boolean upgradeReady, String next,
                 String lastHandover, String error, List<Engine> engines, Published published) {
    }

    /**
     * The newest release the group's source publishes, against its engines: {@code installed} when
     * an engine of it (or newer) is configured, {@code ready} when such an engine is ACTIVE, SYNCING
     * or WAITING. {@code version} and {@code checkedAt} are null until a poll succeeded; {@code problem}
     * says why the last poll failed.
     */
    record Published(String source, String version, String checkedAt, String problem, boolean installed,
                     boolean ready) {
    }

    record Engine(String program, String version, String role, String roleSince) {
    }

    record Action(boolean ok, String message, List<Program> programs, List<Skipped> skipped) {
    }

    /** A program an action on {@code all} left alone, and why. */
    record Skipped(String program, String reason) {
    }

    record History(List<Event> events) {
    }

    /**
     * {@code count}: how often it happened, {@code time} the first time, {@code lastTime} the last;
     * {@code actor}: who asked, for an operator's action (a Unix socket user, or "token"), else null.
     */
    record Event(String time, String group, String kind, String program, String message, int count, String lastTime,
                 String actor) {
    }

    record Reload(boolean ok, List<String> problems, List<String> added, List<String> removed, List<String> changed,
                  List<String> unchanged, List<String> notApplied) {
    }

    record Log(String program, long linesRead, DroppedLines droppedLines, List<Line> lines) {
    }

    /** Lines each stalled sink did not take (they are still in the tail). */
    record DroppedLines(long stdout, long file, long journal) {
    }

    /** One line; {@code seq} counts the program's lines from 1, a gap means lines were lost. */
    record Line(long seq, String time, String stream, String text) {
    }

    record Ready(boolean ready, List<String> reasons) {
    }

    record AgentLog(List<AgentLine> lines) {
    }

    record AgentLine(String time, String level, String text) {
    }

    /** Program name to why it is not in the state the agent wants it in. */
    record OffTarget(Map<String, String> programs) {
    }

    record Shutdown(boolean ok, String message) {
    }

    record Health(String status, String version, long uptimeSeconds) {
    }

    record Error(Problem error) {
    }

    record Problem(int status, String code, String message) {
    }

    // ---- from the read model --------------------------------------------------------------------

    static Status status(AgentStatus s, ApiInfo api) {
        Map<String, EngineOf> engines = enginesByProgram(s.groups());
        return new Status(agent(s), api, s.programs().stream().map(p -> program(p, engines.get(p.name()), s)).toList(),
                s.groups().stream().map(Views::group).toList());
    }

    static Program program(ProgramStatus p, AgentStatus s) {
        return program(p, enginesByProgram(s.groups()).get(p.name()), s);
    }

    static Action action(ActionResult r, AgentStatus s) {
        Map<String, EngineOf> engines = enginesByProgram(s.groups());
        return new Action(r.ok(), r.message(), r.programs().stream().map(p -> program(p, engines.get(p.name()), s)).toList(),
                r.skipped().stream().map(k -> new Skipped(k.program(), k.reason())).toList());
    }

    static History history(List<HandoverRecord> records) {
        return new History(records.stream()
                .map(r -> new Event(time(r.time()), r.group(), r.kind(), r.program(), r.message(),
                        r.count(), time(r.lastTime()), r.actor())).toList());
    }

    static Reload reload(ReloadResult r) {
        return new Reload(r.ok(), r.problems(), r.added(), r.removed(), r.changed(), r.unchanged(), r.notApplied());
    }

    static Log log(ProgramLog log, List<LogLine> lines) {
        return new Log(log.name(), log.lines(), new DroppedLines(log.droppedByStdout(), log.droppedByFile(), log.droppedByJournal()),
                lines.stream().map(Views::line).toList());
    }

    static Line line(LogLine l) {
        return new Line(l.seq(), time(Instant.ofEpochMilli(l.timeMillis())), l.stream().name().toLowerCase(Locale.ROOT),
                l.text());
    }

    static AgentLog agentLog(List<dev.baton.agent.RecentAgentLines.Line> lines) {
        return new AgentLog(lines.stream().map(l -> new AgentLine(time(Instant.ofEpochMilli(l.timeMillis())), l.level(),
                l.text())).toList());
    }

    static Health health(AgentStatus s) {
        return new Health("ok", s.version(), agentUptime());
    }

    static Error error(ApiException e) {
        return new Error(new Problem(e.status(), e.code(), e.getMessage()));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private record EngineOf(String group, AgentStatus.EngineStatus engine) {
    }

    private static Map<String, EngineOf> enginesByProgram(List<AgentStatus.GroupStatus> groups) {
        Map<String, EngineOf> m = new HashMap<>();
        for (AgentStatus.GroupStatus g : groups) {
            for (AgentStatus.EngineStatus e : g.engines()) {
                m.put(e.program(), new EngineOf(g.name(), e));
            }
        }
        return m;
    }

    private static AgentInfo agent(AgentStatus s) {
        return new AgentInfo(s.version(), s.pid(), s.host(), time(s.startedAt()), agentUptime(),
                s.configFile(), s.stateProblem(), s.reexec());
    }

    private static Program program(ProgramStatus p, EngineOf e, AgentStatus s) {
        RunningBinaries.Binary binary = s.binaries().get(p.name());
        // Uptime from the start time: the snapshot's own uptime is as old as the last state change.
        return new Program(p.name(), p.state().name(), time(p.since()), p.pid(), time(p.startedAt()),
                p.uptime().toSeconds(), p.restarts(), exit(p.lastExit()), time(p.lastExitAt()), p.lastError(), p.hold(),
                p.priority(), e == null ? null : e.group(), e == null ? null : e.engine().version(),
                e == null ? null : e.engine().role(), binary == null ? null : binary.path(),
                binary == null ? null : binary.sha256());
    }

    private static Group group(AgentStatus.GroupStatus g) {
        return new Group(g.name(), g.profile(), g.release(), g.active(), g.upgradeReady(), g.next(), time(g.lastHandover()),
                g.error(), g.engines().stream()
                .map(e -> new Engine(e.program(), e.version(), e.role(), time(e.roleSince()))).toList(),
                published(g));
    }

    private static Published published(AgentStatus.GroupStatus g) {
        PublishedRelease p = g.published();
        return p == null ? null : new Published(p.source(), p.newest() == null ? null : p.newest().toString(),
                time(p.checkedAt()), p.problem(), g.publishedInstalled(), g.publishedReady());
    }

    private static Exit exit(ExitStatus x) {
        if (x == null) {
            return null;
        }
        return x.bySignal() ? new Exit(null, Signals.name(x.signal()), x.toString()) : new Exit(x.code(), null, x.toString());
    }

    private static String time(Instant t) {
        return Timestamps.format(t);
    }

    /** The JVM's uptime: a monotonic count, unlike the wall clock. */
    private static long agentUptime() {
        return ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    }
}
