package dev.baton.config.supervisord;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.migration.Findings;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportCheck;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.SourceRef;
import dev.baton.config.migration.TomlText;
import dev.baton.config.migration.VersionedBinaries;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a supervisord configuration ({@code supervisord.conf} and its {@code [include]} files) into
 * baton TOML ({@code baton import-supervisord FILE}), keeping what every program does.
 *
 * <p>Each process of each {@code [program:x]} becomes a {@code [programs.NAME]} whose argv is exactly
 * what supervisord would exec: its values %-expanded as supervisord expands them
 * ({@link PercentFormat}, with the names {@link ProgramReader} describes), the command split by
 * {@code shlex} ({@link Shlex}) and never handed to a shell. supervisord's effective values for
 * priority, autostart, restart, exit codes, start and stop timing are always written out, so the
 * programs behave as before whatever baton's own defaults are. What supervisord would refuse, the
 * import refuses, naming the value (FAILED); what baton does differently is a finding at the file and
 * line of the setting, triaged by {@link Impact}.
 *
 * <p>Idioms map to baton features: an "exit the container when a program dies" event listener to
 * {@code exit_on_fatal}, numprocs to numbered programs, programs that run versions of one binary to an
 * {@code engine_group} with the built-in profile, a supervisor_stdout relay to baton's own stdout.
 */
public final class SupervisordImporter {
    private static final Pattern NAME_OK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** supervisord's own file-descriptor minimum is met by baton.service (LimitNOFILE=65536) up to this. */
    private static final int UNIT_NOFILE = 65536;

    private final Map<String, String> env;
    private final String hostName;

    /** Expands {@code %(ENV_X)s} from this process's environment. */
    public SupervisordImporter() {
        this(System.getenv(), localHostName());
    }

    /** Expands {@code %(ENV_X)s} from {@code env} and {@code %(host_node_name)s} to {@code hostName}. */
    public SupervisordImporter(Map<String, String> env, String hostName) {
        this.env = Map.copyOf(env);
        this.hostName = hostName;
    }

    /**
     * Imports {@code supervisordConf} and the files its {@code [include] files=} globs name.
     *
     * @throws IOException when a file cannot be read or is not an INI file (supervisord refuses it too)
     */
    public ImportResult importFile(Path supervisordConf) throws IOException {
        return new Run(supervisordConf.toAbsolutePath().normalize()).run();
    }

    /** This host's name, as supervisord's platform.node() gives it for %(host_node_name)s. */
    public static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** One import: its sections, findings and output. */
    private final class Run {
        final Path main;
        final Findings findings = new Findings();
        final List<Path> files = new ArrayList<>();
        final List<IniFile.Section> sections = new ArrayList<>();
        final Set<String> reportedEnv = new HashSet<>();
        /** here, host_node_name, and ENV_ from the import's environment plus [supervisord] environment=. */
        final Vars environ = new Vars().importEnvironment(env);
        final Map<String, String> groupOf = new HashMap<>();
        final Map<String, Integer> groupPriority = new HashMap<>();
        final List<ProgramReader.Imported> imported = new ArrayList<>();
        final ObjectNode root = TomlText.MAPPER.createObjectNode();
        final ObjectNode agent = TomlText.MAPPER.createObjectNode();
        ProgramReader.Globals globals = new ProgramReader.Globals(Map.of(), null, null, null);
        Integer nofile;

        Run(Path main) {
            this.main = main;
            environ.put("host_node_name", hostName);
        }

        ImportResult run() throws IOException {
            IniFile first = IniFile.read(main);
            files.add(main);
            sections.addAll(first.sections);
            for (IniFile.Section s : first.sections) {
                if (s.name.equals("include")) {
                    include(s);
                }
            }
            IniFile.Section supervisord = sections.stream().filter(s -> s.name.equals("supervisord")).findFirst().orElse(null);
            if (supervisord == null) {
                findings.add(Impact.COSMETIC, main, 0, "", "", "no [supervisord] section: supervisord does not start "
                        + "with this file alone; imported as a fragment an [include] would read");
            } else {
                supervisord(supervisord);
            }
            for (IniFile.Section s : sections) {
                if (s.name.startsWith("group:")) {
                    group(s);
                }
            }
            List<IniFile.Section> listeners = new ArrayList<>();
            for (IniFile.Section s : sections) {
                String n = s.name;
                if (n.startsWith("program:")) {
                    program(s, n.substring("program:".length()).strip());
                } else if (n.startsWith("eventlistener:")) {
                    listeners.add(s);
                } else {
                    otherSection(s);
                }
            }
            ObjectNode programs = TomlText.MAPPER.createObjectNode();
            Map<String, SourceRef> origins = new LinkedHashMap<>();
            Map<String, ProgramReader.Imported> byName = name(programs, origins);
            priorities(byName);
            stopSignals(byName);
            listeners.forEach(l -> listener(l, byName));
            engineGroups(byName);
            if (!agent.isEmpty()) {
                root.set("agent", agent);
            }
            if (!programs.isEmpty()) {
                root.set("programs", programs);
            }
            String toml = TomlText.render(root);
            SourceRef fallback = new SourceRef(main, 0, "");
            if (programs.isEmpty()) {
                findings.add(Impact.FAILED, main, 0, "", "", "no program to import: the file defines no [program:x] that "
                        + "supervisord would start (an [eventlistener:x] is not a program); baton would run nothing");
            } else {
                findings.addAll(ImportCheck.check(toml, origins, fallback));
            }
            return new ImportResult(toml, root, findings.list(), files);
        }

        // ---- [include] ----

        void include(IniFile.Section s) throws IOException {
            IniFile.Entry e = s.entries.get("files");
            SectionReader r = reader(s);
            if (e == null) {
                throw new IOException(s.file + ":" + s.line + ": [include] without files= (supervisord refuses this file)");
            }
            for (String key : s.entries.keySet()) {
                if (!key.equals("files")) {
                    r.note(Impact.COSMETIC, key, "not an [include] key: supervisord ignored it, and so does the import");
                }
            }
            Vars vars = environ.copy().put("here", s.file.getParent().toString());
            String value;
            try {
                value = r.expand("files", e.value(), vars);
            } catch (SectionReader.Refused refused) {
                return;
            }
            Path here = s.file.getParent();
            for (String pattern : value.split("\\s+")) {
                if (pattern.isEmpty()) {
                    continue;
                }
                List<Path> matches = glob(here.resolve(pattern).normalize());
                if (matches.isEmpty()) {
                    r.note(Impact.COSMETIC, "files", "'" + pattern + "' matches no file (supervisord warns and goes on)");
                }
                for (Path p : matches) {
                    if (!files.contains(p)) {
                        files.add(p);
                        IniFile included = IniFile.read(p);
                        for (IniFile.Section inc : included.sections) {
                            if (inc.name.equals("include")) {
                                reader(inc).note(Impact.COSMETIC, "", "an [include] in an included file is ignored, "
                                        + "as supervisord does");
                            } else {
                                merge(inc);
                            }
                        }
                    }
                }
            }
        }

        /**
         * supervisord reads every included file into one parser: a section already read (a
         * [program:x] in supervisord.conf and again in conf.d/) is one section, the later file's values
         * replacing the earlier ones key by key, not a second program. supervisord replaces %(here)s
         * with the directory of the file each value came from, as the import does here.
         */
        void merge(IniFile.Section inc) {
            IniFile.Section first = sections.stream().filter(s -> s.name.equals(inc.name)).findFirst().orElse(null);
            if (first == null) {
                sections.add(inc);
                return;
            }
            String here = inc.file.getParent().toString();
            for (IniFile.Entry e : inc.entries.values()) {
                first.entries.put(e.key(), new IniFile.Entry(e.key(), e.value().replace("%(here)s", here), e.file(), e.line()));
            }
            reader(inc).note(Impact.COSMETIC, "", "[" + inc.name + "] is also in " + first.file + ": supervisord reads "
                    + "them as one section, this file's values replacing those before them, and so does the import");
        }

        // ---- [supervisord] ----

        void supervisord(IniFile.Section s) {
            SectionReader r = reader(s);
            Vars vars = environ.copy().put("here", s.file.getParent().toString());
            Map<String, String> environment = Map.of();
            String umask = null;
            String user = null;
            String directory = null;
            try {
                boolean daemon = !r.bool("nodaemon", "false", vars);
                directory = r.expanded("directory", null, vars);
                if (directory != null && daemon) {
                    // daemonize() chdirs there, so it is the working directory of every program without directory=
                    r.note(Impact.COSMETIC, "directory", "supervisord changed to " + directory + " when it daemonized: "
                            + "each program without a directory= is imported with directory = \"" + directory + "\"");
                } else if (directory != null) {
                    r.note(Impact.COSMETIC, "directory", "supervisord changes to it only when it daemonizes, and "
                            + "nodaemon = true: ignored, as supervisord ignored it");
                    directory = null;
                }
                // read_config expands this value twice (saneget, then expand() again): 100%% ends as a lone
                // % that supervisord refuses, %%(ENV_X)s as X's value
                environment = r.keyValuePairs("environment", r.expand("environment", r.expanded("environment", "", vars), vars));
                environ.fileEnvironment(environment);
                if (r.has("umask")) {
                    umask = r.umask("umask", vars);
                }
                if (daemon) {
                    // applied only by daemonize(): with nodaemon = true the umask is the one supervisord was started with
                    umask = umask == null ? "022" : umask;
                    r.note(Impact.COSMETIC, "nodaemon", "baton never daemonizes: it runs in the foreground under systemd "
                            + "or as a container's entrypoint (each program keeps the umask " + umask
                            + " supervisord set when it daemonized)");
                } else if (umask != null) {
                    r.note(Impact.COSMETIC, "umask", "supervisord applies it only when it daemonizes, and nodaemon = true: "
                            + "ignored, as supervisord ignored it");
                    umask = null;
                }
                String u = r.expanded("user", null, vars);
                if (u != null && !u.equals("root") && !u.equals("0")) {
                    user = u;
                    r.note(Impact.COSMETIC, "user", "supervisord switched to " + u + " before starting its programs: "
                            + "each program without a user= is imported with user = \"" + u + "\"");
                }
                int minfds = r.integer("minfds", 1024, vars);
                r.integer("minprocs", 200, vars);
                if (minfds > UNIT_NOFILE) {
                    nofile = minfds;
                    r.note(Impact.COSMETIC, "minfds", "supervisord raised its open-files limit to " + minfds + " for "
                            + "itself and its programs: each program gets limits.nofile = " + minfds);
                }
            } catch (SectionReader.Refused refused) {
                // reported; the programs are still read, as far as they can be
            }
            globals = new ProgramReader.Globals(environment, umask, user, directory);
            for (IniFile.Entry e : s.entries.values()) {
                switch (e.key()) {
                    case "nodaemon", "environment", "umask", "user", "directory" -> { }
                    case "minfds" -> {
                        if (nofile == null) {
                            r.note(Impact.COSMETIC, "minfds", "baton.service runs with LimitNOFILE=65536, which its "
                                    + "programs inherit (set limits.nofile on a program for another limit)");
                        }
                    }
                    case "minprocs" -> r.note(Impact.COSMETIC, "minprocs", "not imported: set limits.nproc on a program, "
                            + "or TasksMax= in baton.service");
                    case "logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "silent" ->
                            r.note(Impact.COSMETIC, e.key(), "not imported: baton's own messages go to its stdout (the "
                                    + "journal under systemd, the container log in Docker)");
                    case "pidfile" -> r.note(Impact.COSMETIC, "pidfile", "not imported: baton writes no pid file");
                    case "childlogdir", "nocleanup", "strip_ansi" -> r.note(Impact.COSMETIC, e.key(), "not imported: "
                            + "programs without a log file keep recent lines in memory (baton tail) and copy them to "
                            + "baton's stdout");
                    case "identifier" -> r.note(Impact.COSMETIC, "identifier", "not imported: baton has no XML-RPC identifier");
                    default -> r.note(Impact.COSMETIC, e.key(), "not a [supervisord] key: supervisord ignored it, and so "
                            + "does the import");
                }
            }
        }

        // ---- [group:x] ----

        void group(IniFile.Section s) {
            SectionReader r = reader(s);
            String name = s.name.substring("group:".length()).strip();
            Vars vars = environ.copy().put("here", s.file.getParent().toString());
            try {
                String list = r.expanded("programs", null, vars);
                if (list == null) {
                    throw r.refuse("", "a [group:x] needs programs=");
                }
                int priority = r.integer("priority", 999, vars);
                List<String> members = new ArrayList<>();
                for (String p : list.split(",")) {
                    String program = p.strip();
                    boolean known = sections.stream().anyMatch(x -> x.name.equals("program:" + program)
                            || x.name.equals("fcgi-program:" + program));
                    if (!known) {
                        throw r.refuse("programs", "[" + s.name + "] names unknown program " + program);
                    }
                    members.add(program);
                    groupOf.put(program, name);
                    groupPriority.put(program, priority);
                }
                r.note(Impact.COSMETIC, "", "baton has no program groups: " + String.join(", ", members)
                        + " are separate programs (start or stop each by name); their start order keeps the group's place");
            } catch (SectionReader.Refused refused) {
                // reported
            }
        }

        // ---- [program:x] ----

        void program(IniFile.Section s, String program) {
            SectionReader r = reader(s);
            for (char bad : new char[] {' ', ':', '/'}) {
                if (program.indexOf(bad) >= 0) {
                    r.note(Impact.FAILED, "", "invalid name '" + program + "' because of the character '" + bad
                            + "': supervisord refuses this file; the program is not imported");
                    return;
                }
            }
            String group = groupOf.getOrDefault(program, program);
            Vars common = environ.copy().put("here", s.file.getParent().toString()).put("program_name", program)
                    .put("group_name", group);
            imported.addAll(new ProgramReader(r, findings, globals).read(common));
        }

        /** Gives each imported process its baton name (valid and unique), in supervisord's order. */
        Map<String, ProgramReader.Imported> name(ObjectNode programs, Map<String, SourceRef> origins) {
            Map<String, ProgramReader.Imported> byName = new LinkedHashMap<>();
            boolean raw = false;
            for (ProgramReader.Imported p : imported) {
                String name = validName(reader(p.section()), p.processName(), programs);
                if (nofile != null) {
                    p.node().putObject("limits").put("nofile", nofile);
                }
                programs.set(name, p.node());
                byName.put(name, p);
                origins.put(name, new SourceRef(p.section().file, p.section().line, p.section().name));
                raw |= p.writesToStdout();
            }
            if (raw) {
                agent.put("log_mode", "raw"); // lines reach the container log untouched, as supervisord wrote them
            }
            return byName;
        }

        String validName(SectionReader r, String name, ObjectNode programs) {
            String fixed = name;
            if (!NAME_OK.matcher(fixed).matches()) {
                fixed = fixed.replaceAll("[^A-Za-z0-9._-]", "_").replaceFirst("^[._-]+", "");
                fixed = fixed.length() > 64 ? fixed.substring(0, 64) : fixed.isEmpty() ? "program" : fixed;
                r.note(Impact.COSMETIC, r.has("process_name") ? "process_name" : "", "name '" + name + "' is not a "
                        + "valid baton program name ([A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters): imported as '"
                        + fixed + "'");
            }
            String unique = fixed;
            for (int n = 2; programs.has(unique); n++) {
                unique = fixed + "-" + n;
            }
            if (!unique.equals(fixed)) {
                r.note(Impact.COSMETIC, "", "a program named '" + fixed + "' was already imported: this one is '" + unique + "'");
            }
            return unique;
        }

        /**
         * supervisord starts groups by group priority (a program outside a [group:x] is a group of its own
         * with the program's priority), then each group's programs by priority, and stops in reverse.
         * baton has one priority per program: keep the numbers when they already give that order within
         * 0-999, else number the order in steps of 10.
         */
        void priorities(Map<String, ProgramReader.Imported> byName) {
            Map<String, long[]> key = new LinkedHashMap<>();
            byName.forEach((name, p) -> {
                String program = p.section().name.substring("program:".length()).strip();
                long gp = groupPriority.getOrDefault(program, p.priority());
                key.put(name, new long[] {gp, p.priority()});
            });
            Comparator<long[]> order = Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> k[1]);
            boolean keep = byName.values().stream().allMatch(p -> p.priority() >= 0 && p.priority() <= 999)
                    && isOrderKeptByProgramPriority(key, order);
            if (keep) {
                byName.forEach((name, p) -> p.node().put("priority", p.priority()));
                return;
            }
            List<long[]> distinct = new ArrayList<>();
            key.values().stream().sorted(order).forEach(k -> {
                if (distinct.isEmpty() || order.compare(distinct.get(distinct.size() - 1), k) != 0) {
                    distinct.add(k);
                }
            });
            int step = distinct.size() <= 100 ? 10 : 1;
            byName.forEach((name, p) -> {
                int rank = 0;
                while (order.compare(distinct.get(rank), key.get(name)) != 0) {
                    rank++;
                }
                p.node().put("priority", Math.min(999, rank * step));
            });
            findings.add(Impact.COSMETIC, main, 0, "", "", "priorities renumbered from 0 in steps of " + step + " to keep "
                    + "supervisord's start order (by [group:x] priority, then program priority) in baton's 0-999");
        }

        /** True when ordering by program priority alone gives the same order as (group, program). */
        boolean isOrderKeptByProgramPriority(Map<String, long[]> key, Comparator<long[]> order) {
            List<long[]> keys = new ArrayList<>(key.values());
            for (long[] a : keys) {
                for (long[] b : keys) {
                    if (Integer.signum(order.compare(a, b)) != Long.signum(a[1] - b[1])) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** stopasgroup/killasgroup: one finding for the programs whose children now get the signal too. */
        void stopSignals(Map<String, ProgramReader.Imported> byName) {
            List<String> mainOnly = new ArrayList<>();
            List<String> killOnly = new ArrayList<>();
            byName.forEach((name, p) -> {
                if (!p.stopAsGroup() && !p.killAsGroup()) {
                    mainOnly.add(name);
                } else if (!p.stopAsGroup()) {
                    killOnly.add(name);
                }
            });
            if (!mainOnly.isEmpty()) {
                ProgramReader.Imported first = byName.get(mainOnly.get(0));
                reader(first.section()).note(Impact.BEHAVIOUR, "stopasgroup", "supervisord sent stop_signal and SIGKILL to "
                        + "the main process only (stopasgroup = false, its default) of " + list(mainOnly) + "; baton "
                        + "signals the program's whole process group, so the programs' children stop with them");
            }
            if (!killOnly.isEmpty()) {
                ProgramReader.Imported first = byName.get(killOnly.get(0));
                reader(first.section()).note(Impact.BEHAVIOUR, "killasgroup", "supervisord sent stop_signal to the main "
                        + "process only and SIGKILL to the group (killasgroup = true) for " + list(killOnly) + "; baton "
                        + "sends stop_signal to the whole group too");
            }
        }

        // ---- [eventlistener:x] ----

        void listener(IniFile.Section s, Map<String, ProgramReader.Imported> byName) {
            SectionReader r = reader(s);
            Vars vars = environ.copy().put("here", s.file.getParent().toString())
                    .put("program_name", s.name.substring("eventlistener:".length()).strip())
                    .put("group_name", s.name.substring("eventlistener:".length()).strip())
                    .put("process_num", 0).put("numprocs", 1);
            String command;
            String events;
            try {
                command = r.expanded("command", null, vars);
                events = r.expanded("events", "", vars);
            } catch (SectionReader.Refused refused) {
                return;
            }
            Listeners.Listener l = Listeners.classify(command, events);
            switch (l.kind()) {
                case EXIT -> {
                    agent.put("exit_on_fatal", true);
                    if (l.alsoOnExitOrStop()) {
                        r.note(Impact.BEHAVIOUR, "", "this listener ended supervisord (and the container) when any "
                                + "program exited or stopped (events = " + events + "); imported as exit_on_fatal = true, "
                                + "which ends baton only when a program goes FATAL (its start_retries used up): a program "
                                + "that exits after start_secs with restart = \"never\" stays EXITED and baton keeps running");
                    } else {
                        r.note(Impact.COSMETIC, "", "this listener ended supervisord when a program went FATAL: "
                                + "imported as exit_on_fatal = true (baton exits with the program's code, not 0)");
                    }
                }
                case RELAY -> relay(r, l, byName);
                case ALERT -> r.note(Impact.BEHAVIOUR, "", "dropped: this superlance listener sent an alert when a "
                        + "program crashed; baton has no listeners: alert on baton_program_state / restarts metrics or "
                        + "the HTTP API's events");
                case MEMORY -> r.note(Impact.BEHAVIOUR, "", "dropped: memmon restarted programs that used too much memory; "
                        + "baton does not watch memory (use MemoryMax= in baton.service or the container's limit)");
                case HEALTH -> r.note(Impact.BEHAVIOUR, "", "dropped: httpok restarted a program whose URL stopped "
                        + "answering; baton does not probe programs");
                case TICK -> r.note(Impact.BEHAVIOUR, "", "dropped: this listener ran on supervisord's TICK events (a "
                        + "timer); baton has no listeners: run it as a program of its own or from a systemd timer");
                case OTHER -> r.note(Impact.BEHAVIOUR, "", "dropped: baton has no event listeners (events = " + events
                        + "); its HTTP API and metrics report state changes");
            }
        }

        /** A PROCESS_LOG relay: the programs whose events it received now reach baton's stdout directly. */
        void relay(SectionReader r, Listeners.Listener l, Map<String, ProgramReader.Imported> byName) {
            List<String> relayed = new ArrayList<>();
            byName.forEach((name, p) -> {
                if (p.eventsEnabled()) {
                    relayed.add(name);
                    ObjectNode log = p.node().has("log") ? (ObjectNode) p.node().get("log") : p.node().putObject("log");
                    log.put("stdout", true);
                }
            });
            String format = agent.path("log_mode").asText("prefixed").equals("raw") ? "untouched (log_mode = \"raw\")"
                    : "as 'NAME | line' (log_mode = \"prefixed\")";
            if (relayed.isEmpty()) {
                r.note(Impact.COSMETIC, "", "dropped: this listener relayed PROCESS_LOG events, but no program sends them "
                        + "(stdout_events_enabled): nothing is lost");
            } else if (l.target().equals("syslog")) {
                r.note(Impact.BEHAVIOUR, "", "dropped: this listener sent the output of " + list(relayed) + " to syslog; "
                        + "baton copies those lines to its stdout " + format + ", which under systemd is the journal "
                        + "(journalctl -t NAME), in a container the container log: point your log shipper there");
            } else {
                r.note(Impact.BEHAVIOUR, "", "dropped: this listener relayed the output of " + list(relayed) + " to "
                        + "supervisord's stdout as 'NAME stdout | line'; baton copies those programs' lines to its own "
                        + "stdout " + format + " (log.stdout = true), so the output still reaches the same place");
            }
        }

        // ---- programs that are versions of one binary ----

        void engineGroups(Map<String, ProgramReader.Imported> byName) {
            Map<String, String> argv0 = new LinkedHashMap<>();
            byName.forEach((name, p) -> argv0.put(name, p.argv().get(0)));
            for (VersionedBinaries.Family f : VersionedBinaries.find(argv0)) {
                ProgramReader.Imported first = byName.get(f.members().get(0).program());
                SectionReader r = reader(first.section());
                if (f.profile() == null) {
                    r.note(Impact.COSMETIC, "command", f.programNames() + " run versions " + f.versions() + " of "
                            + f.stem() + ": baton can hand over between them as an engine group once it has a "
                            + "recognition profile for it ([profiles." + f.stem() + "]); imported as separate programs");
                    continue;
                }
                f.members().forEach(m -> byName.get(m.program()).node().put("engine_group", f.profile()));
                r.note(Impact.BEHAVIOUR, "command", f.programNames() + " run versions " + f.versions() + " of "
                        + f.stem() + ": imported as engine group '" + f.profile() + "' with baton's built-in profile, "
                        + "so after an upgrade baton idles the superseded version (on_superseded = \"stop\") instead "
                        + "of leaving both running as supervisord did");
            }
        }

        // ---- other sections ----

        void otherSection(IniFile.Section s) {
            SectionReader r = reader(s);
            String n = s.name;
            if (n.equals("include") || n.equals("supervisord") || n.startsWith("group:")) {
                return;
            }
            if (n.equals("unix_http_server") || n.equals("inet_http_server")) {
                r.note(Impact.COSMETIC, "", "not imported: baton's control API is its [api] section (HTTP on "
                        + "127.0.0.1:9176 by default, bearer token for actions)");
            } else if (n.equals("supervisorctl")) {
                r.note(Impact.COSMETIC, "", "not imported: use `baton status|start|stop|restart|tail` instead of supervisorctl");
            } else if (n.startsWith("rpcinterface:")) {
                r.note(Impact.COSMETIC, "", "not imported: baton has no XML-RPC interface; use its HTTP API");
            } else if (n.startsWith("fcgi-program:")) {
                r.note(Impact.FAILED, "", "not imported: baton does not open FastCGI sockets for programs; run the "
                        + "program with its own listening socket");
            } else {
                r.note(Impact.COSMETIC, "", "not a supervisord section: supervisord ignored it, and so does the import");
            }
        }

        SectionReader reader(IniFile.Section s) {
            return new SectionReader(s, findings, env, reportedEnv);
        }
    }

    /** "a, b and 3 more" */
    private static String list(List<String> names) {
        int shown = Math.min(names.size(), 6);
        String s = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? s + " and " + (names.size() - shown) + " more" : s;
    }

    /** Files matching {@code pattern} (glob characters allowed in any path component), sorted. */
    static List<Path> glob(Path pattern) throws IOException {
        Path root = pattern.getRoot();
        List<Path> current = new ArrayList<>(List.of(root == null ? Path.of("") : root));
        for (Path part : pattern) {
            String comp = part.toString();
            List<Path> next = new ArrayList<>();
            boolean wild = comp.chars().anyMatch(c -> c == '*' || c == '?' || c == '[');
            for (Path dir : current) {
                if (!wild) {
                    Path p = dir.resolve(comp);
                    if (Files.exists(p)) {
                        next.add(p);
                    }
                } else if (Files.isDirectory(dir)) {
                    PathMatcher pm = FileSystems.getDefault().getPathMatcher("glob:" + comp);
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                        for (Path p : ds) {
                            String fn = p.getFileName().toString();
                            if (pm.matches(p.getFileName()) && (!fn.startsWith(".") || comp.startsWith("."))) {
                                next.add(p);
                            }
                        }
                    }
                }
            }
            next.sort(null);
            current = next;
        }
        current.removeIf(p -> !Files.isRegularFile(p));
        return current;
    }
}
