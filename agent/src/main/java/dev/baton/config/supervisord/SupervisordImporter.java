package dev.baton.config.supervisord;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.process.os.Signals;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a supervisord configuration ({@code supervisord.conf} and its {@code [include]} files) into
 * baton TOML ({@code baton import-supervisord FILE}).
 *
 * <p>Every {@code [program:x]} becomes {@code [programs.x]}. supervisord's effective values for
 * priority, autostart, restart, exit codes, start and stop timing are always written out, so the
 * imported programs behave as before whatever baton's own defaults are. Each key or section that
 * has no exact baton equivalent yields an {@link ImportWarning} naming the file, line, section and
 * key, and saying what baton does instead.
 *
 * <p>{@code %(name)s} expressions are expanded as supervisord does: {@code here} (the directory of
 * the file), {@code program_name}, {@code process_num}, {@code group_name}, {@code numprocs},
 * {@code host_node_name} and {@code ENV_X} (from the importing environment, with a warning, since
 * the values are then fixed in the TOML).
 */
public final class SupervisordImporter {
    private static final Pattern EXPR = Pattern.compile("%\\(([^)]*)\\)([-#0 +]*\\d*)([sd])|%%");
    private static final Pattern NAME_OK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> STDOUT = Set.of("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1");
    private static final Set<String> STDERR = Set.of("/dev/stderr", "/dev/fd/2", "/proc/self/fd/2");

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
     * @throws IOException when a file cannot be read or is not an INI file
     */
    public ImportResult importFile(Path supervisordConf) throws IOException {
        return new Run(supervisordConf.toAbsolutePath().normalize()).run();
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** One import: its sections, warnings and output. */
    private final class Run {
        final Path main;
        final List<ImportWarning> warnings = new ArrayList<>();
        final List<Path> files = new ArrayList<>();
        final List<IniFile.Section> sections = new ArrayList<>();
        final ObjectNode root = TomlText.MAPPER.createObjectNode();
        final ObjectNode programs = TomlText.MAPPER.createObjectNode();
        final Map<String, String> groupOf = new HashMap<>();
        final Map<String, String> globalEnv = new LinkedHashMap<>();
        String globalUmask;
        boolean rawStdout;

        Run(Path main) {
            this.main = main;
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
            for (IniFile.Section s : sections) {
                if (s.name.startsWith("group:")) {
                    group(s);
                } else if (s.name.equals("supervisord")) {
                    supervisord(s);
                }
            }
            for (IniFile.Section s : sections) {
                String n = s.name;
                if (n.startsWith("program:")) {
                    program(s, n.substring("program:".length()).strip());
                } else if (n.equals("include")) {
                    if (s.file != main) {
                        warn(s, "", "an [include] in an included file is ignored, as supervisord does");
                    }
                } else if (n.equals("unix_http_server") || n.equals("inet_http_server")) {
                    warn(s, "", "not imported: baton's control API is its [api] section (HTTP on 127.0.0.1:9176 "
                            + "by default, bearer token for actions)");
                } else if (n.equals("supervisorctl")) {
                    warn(s, "", "not imported: use `baton status|start|stop|restart|tail` instead of supervisorctl");
                } else if (n.startsWith("rpcinterface:")) {
                    warn(s, "", "not imported: baton has no XML-RPC interface; use its HTTP API");
                } else if (n.startsWith("eventlistener:")) {
                    warn(s, "", "not imported: baton has no event listeners (its HTTP API reports state changes)");
                } else if (n.startsWith("fcgi-program:")) {
                    warn(s, "", "not imported: baton does not manage FastCGI sockets");
                } else if (!n.equals("supervisord") && !n.startsWith("group:")) {
                    warn(s, "", "unknown section, not imported");
                }
            }
            if (rawStdout) {
                root.putObject("agent").put("log_mode", "raw");
            }
            if (!programs.isEmpty()) {
                root.set("programs", programs);
            }
            return new ImportResult(TomlText.render(root), root, warnings, files);
        }

        // ---- [include] ----

        void include(IniFile.Section s) throws IOException {
            IniFile.Entry e = s.entries.get("files");
            if (e == null) {
                warn(s, "", "[include] without files=");
                return;
            }
            for (String key : s.entries.keySet()) {
                if (!key.equals("files")) {
                    warn(s, key, "unknown key in [include], ignored");
                }
            }
            Path here = s.file.getParent();
            for (String pattern : expand(s, e, e.value(), Map.of()).split("\\s+")) {
                if (pattern.isEmpty()) {
                    continue;
                }
                List<Path> matches = glob(here.resolve(pattern).normalize());
                if (matches.isEmpty()) {
                    warnAt(s, e.line(), "files", "'" + pattern + "' matches no file");
                }
                for (Path p : matches) {
                    if (!files.contains(p)) {
                        files.add(p);
                        sections.addAll(IniFile.read(p).sections);
                    }
                }
            }
        }

        // ---- [group:x] ----

        void group(IniFile.Section s) {
            String name = s.name.substring("group:".length()).strip();
            String list = s.get("programs");
            List<String> members = new ArrayList<>();
            if (list != null) {
                for (String p : list.split("[,\\s]+")) {
                    if (!p.isEmpty()) {
                        members.add(p);
                        groupOf.put(p, name);
                    }
                }
            }
            warn(s, "", "baton has no program groups: " + String.join(", ", members)
                    + " are imported as separate programs (start or stop them by name)");
            for (String key : s.entries.keySet()) {
                if (key.equals("priority")) {
                    warn(s, key, "group priority not imported: each program keeps its own priority");
                } else if (!key.equals("programs")) {
                    warn(s, key, "unknown key, not imported");
                }
            }
        }

        // ---- [supervisord] ----

        void supervisord(IniFile.Section s) {
            for (IniFile.Entry e : s.entries.values()) {
                String v = expand(s, e, e.value(), Map.of());
                switch (e.key()) {
                    case "nodaemon" -> {
                        if (!bool(s, e, v, true)) {
                            warn(s, e, "baton never daemonizes: it runs in the foreground under systemd or as a "
                                    + "container's entrypoint");
                        }
                    }
                    case "environment" -> globalEnv.putAll(environment(s, e, v));
                    case "umask" -> globalUmask = umask(s, e, v);
                    case "minfds" -> warn(s, e, "not imported: set LimitNOFILE= in the systemd unit "
                            + "(baton.service has 65536) or ulimit -n in a container");
                    case "minprocs" -> warn(s, e, "not imported: set LimitNPROC=/TasksMax= in the systemd unit");
                    case "logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "silent" ->
                            warn(s, e, "not imported: baton's own messages go to its stdout (the journal under "
                                    + "systemd, the container log in Docker)");
                    case "user" -> warn(s, e, "not imported: baton runs as the user systemd or the container "
                            + "starts it as; give each program a user = instead");
                    case "directory" -> warn(s, e, "not imported: give each program a directory = instead");
                    case "pidfile" -> warn(s, e, "not imported: baton writes no pid file (systemd tracks it)");
                    case "childlogdir", "nocleanup" -> warn(s, e, "not imported: programs without a log file "
                            + "keep recent lines in memory (baton tail) and copy them to baton's stdout");
                    case "identifier" -> warn(s, e, "not imported: baton has no XML-RPC identifier");
                    default -> warn(s, e, "unknown key, not imported");
                }
            }
        }

        // ---- [program:x] ----

        void program(IniFile.Section s, String program) {
            Map<String, String> pre = Map.of("program_name", program);
            int numprocs = 1;
            int start = 0;
            IniFile.Entry np = s.entries.get("numprocs");
            if (np != null) {
                numprocs = Math.max(1, integer(s, np, expand(s, np, np.value(), pre), 1));
            }
            IniFile.Entry nps = s.entries.get("numprocs_start");
            if (nps != null) {
                start = integer(s, nps, expand(s, nps, nps.value(), pre), 0);
            }
            IniFile.Entry pn = s.entries.get("process_name");
            if (numprocs > 1) {
                boolean named = pn != null && pn.value().contains("%(process_num)");
                warn(s, np, "baton starts one process per program: imported as " + numprocs
                        + " programs" + (named ? " named by process_name" : " named " + program + "_N")
                        + "; each may need its own port or file (check the commands)");
            }
            for (int i = start; i < start + numprocs; i++) {
                Map<String, String> vars = new HashMap<>();
                vars.put("program_name", program);
                vars.put("process_num", Integer.toString(i));
                vars.put("group_name", groupOf.getOrDefault(program, program));
                vars.put("numprocs", Integer.toString(numprocs));
                String name;
                if (pn != null) {
                    name = expand(s, pn, pn.value(), vars);
                    if (numprocs > 1 && !pn.value().contains("%(process_num)")) {
                        name = name + "_" + i;
                    }
                } else {
                    name = numprocs > 1 ? program + "_" + i : program;
                }
                process(s, program, validName(s, pn, name), vars, i == start);
            }
        }

        String validName(IniFile.Section s, IniFile.Entry at, String name) {
            String fixed = name;
            if (!NAME_OK.matcher(fixed).matches()) {
                fixed = fixed.replaceAll("[^A-Za-z0-9._-]", "_").replaceFirst("^[._-]+", "");
                if (fixed.length() > 64) {
                    fixed = fixed.substring(0, 64);
                }
                if (fixed.isEmpty()) {
                    fixed = "program";
                }
                warnAt(s, at == null ? s.line : at.line(), at == null ? "" : at.key(),
                        "name '" + name + "' is not a valid baton program name ([A-Za-z0-9][A-Za-z0-9._-]*, "
                                + "at most 64 characters): imported as '" + fixed + "'");
            }
            String unique = fixed;
            for (int n = 2; programs.has(unique); n++) {
                unique = fixed + "-" + n;
            }
            if (!unique.equals(fixed)) {
                warn(s, "", "a program named '" + fixed + "' was already imported: this one is '" + unique + "'");
            }
            return unique;
        }

        /** One baton program from a [program:x] section (one of numprocs). */
        void process(IniFile.Section s, String program, String name, Map<String, String> vars, boolean firstProc) {
            int mark = warnings.size();
            ObjectNode p = build(s, vars);
            if (!firstProc) {
                // warnings about keys are given once per section, for the first of numprocs
                warnings.subList(mark, warnings.size()).clear();
            }
            if (p != null) {
                programs.set(name, p);
            }
        }

        ObjectNode build(IniFile.Section s, Map<String, String> vars) {
            ObjectNode p = TomlText.MAPPER.createObjectNode();
            Map<String, String> v = new LinkedHashMap<>();
            Map<String, IniFile.Entry> at = new LinkedHashMap<>();
            for (IniFile.Entry e : s.entries.values()) {
                v.put(e.key(), expand(s, e, e.value(), vars));
                at.put(e.key(), e);
            }
            Set<String> done = new LinkedHashSet<>(List.of("process_name", "numprocs", "numprocs_start"));

            // command
            String command = v.get("command");
            done.add("command");
            if (command == null || command.isBlank()) {
                warn(s, "", "no command=: program not imported");
                return null;
            }
            String flat = command.replace('\n', ' ').strip();
            String shell = Shlex.shellSyntax(flat);
            if (shell != null) {
                p.put("command", flat);
                p.put("shell", true);
                warn(s, at.get("command"), "has shell syntax (" + shell + "): imported with shell = true, so "
                        + "/bin/sh -c runs it; supervisord ran no shell and passed such text as literal "
                        + "arguments: check the command");
            } else {
                try {
                    ArrayNode argv = p.putArray("command");
                    Shlex.split(flat).forEach(argv::add);
                } catch (IllegalArgumentException ex) {
                    warn(s, at.get("command"), "cannot be split into arguments (" + ex.getMessage()
                            + "): program not imported");
                    return null;
                }
            }

            // where and as whom
            if (v.containsKey("directory")) {
                p.put("directory", v.get("directory"));
            }
            done.add("directory");
            Map<String, String> envVars = new LinkedHashMap<>(globalEnv);
            if (v.containsKey("environment")) {
                envVars.putAll(environment(s, at.get("environment"), v.get("environment")));
            }
            done.add("environment");
            if (!envVars.isEmpty()) {
                ObjectNode en = p.putObject("environment");
                envVars.forEach(en::put);
            }
            if (v.containsKey("user")) {
                p.put("user", v.get("user"));
            }
            done.add("user");
            String um = v.containsKey("umask") ? umask(s, at.get("umask"), v.get("umask")) : globalUmask;
            if (um != null) {
                p.put("umask", um);
            }
            done.add("umask");

            // lifecycle, with supervisord's defaults written out
            int priority = v.containsKey("priority") ? integer(s, at.get("priority"), v.get("priority"), 999) : 999;
            if (priority < 0 || priority > 999) {
                int clamped = Math.max(0, Math.min(999, priority));
                warn(s, at.get("priority"), "baton priorities run from 0 to 999: " + priority + " imported as "
                        + clamped + " (check the start order against the other programs)");
                priority = clamped;
            }
            p.put("priority", priority);
            p.put("autostart", !v.containsKey("autostart") || bool(s, at.get("autostart"), v.get("autostart"), true));
            p.put("restart", restart(s, at.get("autorestart"), v.getOrDefault("autorestart", "unexpected")));
            ArrayNode codes = p.putArray("exit_codes");
            exitCodes(s, at.get("exitcodes"), v.getOrDefault("exitcodes", "0")).forEach(codes::add);
            p.put("start_secs", (v.containsKey("startsecs") ? integer(s, at.get("startsecs"), v.get("startsecs"), 1) : 1) + "s");
            p.put("start_retries", v.containsKey("startretries")
                    ? integer(s, at.get("startretries"), v.get("startretries"), 3) : 3);
            p.put("stop_signal", signal(s, at.get("stopsignal"), v.getOrDefault("stopsignal", "TERM")));
            p.put("stop_timeout", (v.containsKey("stopwaitsecs")
                    ? integer(s, at.get("stopwaitsecs"), v.get("stopwaitsecs"), 10) : 10) + "s");
            done.addAll(List.of("priority", "autostart", "autorestart", "exitcodes", "startsecs", "startretries",
                    "stopsignal", "stopwaitsecs"));
            for (String k : List.of("stopasgroup", "killasgroup")) {
                if (v.containsKey(k)) {
                    boolean on = bool(s, at.get(k), v.get(k), false);
                    warn(s, at.get(k), on ? "baton always signals the program's whole process group: key dropped"
                            : "baton signals the program's whole process group, supervisord signalled only "
                            + "the main process: children now stop with it");
                }
                done.add(k);
            }

            // logs
            ObjectNode log = logs(s, v, at, done);
            if (!log.isEmpty()) {
                p.set("log", log);
            }

            for (IniFile.Entry e : s.entries.values()) {
                if (!done.contains(e.key())) {
                    warn(s, e, unmappedProgramKey(e.key()));
                }
            }
            return p;
        }

        ObjectNode logs(IniFile.Section s, Map<String, String> v, Map<String, IniFile.Entry> at, Set<String> done) {
            ObjectNode log = TomlText.MAPPER.createObjectNode();
            done.addAll(List.of("stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
                    "redirect_stderr", "stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
                    "stdout_syslog", "stderr_syslog"));
            String out = v.getOrDefault("stdout_logfile", "AUTO");
            boolean redirect = v.containsKey("redirect_stderr") && bool(s, at.get("redirect_stderr"), v.get("redirect_stderr"), false);
            String file = null;
            String sizeKey = "stdout_logfile_maxbytes";
            String backupsKey = "stdout_logfile_backups";
            if (STDOUT.contains(out)) {
                log.put("stdout", true);
                rawStdout = true;
            } else if (STDERR.contains(out)) {
                log.put("stdout", true);
                warn(s, at.get("stdout_logfile"), "baton has one output stream: these lines go to baton's stdout");
            } else if (out.equalsIgnoreCase("NONE")) {
                log.put("stdout", false);
            } else if (out.equalsIgnoreCase("syslog")) {
                log.put("stdout", true);
                warn(s, at.get("stdout_logfile"), "under systemd baton's stdout is the journal, where each line has "
                        + "SYSLOG_IDENTIFIER=<program>: use journalctl -t <program>");
            } else if (!out.equalsIgnoreCase("AUTO")) {
                file = out;
                log.put("stdout", false);
            }
            if (v.containsKey("stdout_syslog") && bool(s, at.get("stdout_syslog"), v.get("stdout_syslog"), false)) {
                log.put("stdout", true);
                warn(s, at.get("stdout_syslog"), "mapped to log.stdout = true: under systemd baton sends each line to "
                        + "the journal with SYSLOG_IDENTIFIER=<program> (journalctl -t <program>)");
            }

            if (!redirect) {
                String err = v.getOrDefault("stderr_logfile", "AUTO");
                IniFile.Entry errAt = at.get("stderr_logfile");
                if (STDOUT.contains(err) || STDERR.contains(err)) {
                    if (!log.path("stdout").asBoolean(true)) {
                        warn(s, errAt, "baton cannot send only stderr to its stdout: stderr lines go where "
                                + "stdout lines go");
                    } else {
                        rawStdout |= STDOUT.contains(err) || STDERR.contains(err);
                    }
                } else if (err.equalsIgnoreCase("NONE")) {
                    warn(s, errAt, "baton cannot discard stderr alone: stderr lines go where stdout lines go");
                } else if (!err.equalsIgnoreCase("AUTO") && !err.equalsIgnoreCase("syslog")) {
                    if (file == null) {
                        file = err;
                        sizeKey = "stderr_logfile_maxbytes";
                        backupsKey = "stderr_logfile_backups";
                        if (!log.has("stdout")) {
                            log.put("stdout", false);
                        }
                        warn(s, errAt, "baton keeps one log file per program: log.file = " + err
                                + " receives stdout and stderr lines");
                    } else if (!err.equals(file)) {
                        warn(s, errAt, "baton keeps one log file per program: stderr lines also go to " + file);
                    }
                }
                if (v.containsKey("stderr_syslog") && bool(s, at.get("stderr_syslog"), v.get("stderr_syslog"), false)) {
                    warn(s, at.get("stderr_syslog"), "stderr lines go where stdout lines go (the journal when "
                            + "log.stdout = true under systemd)");
                }
            } else {
                for (String k : List.of("stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
                        "stderr_syslog")) {
                    if (v.containsKey(k)) {
                        warn(s, at.get(k), "ignored because redirect_stderr = true (as supervisord does)");
                    }
                }
            }
            if (file != null) {
                log.put("file", file);
                Object size = size(s, at.get(sizeKey), v.getOrDefault(sizeKey, "50MB"));
                if (size instanceof Long l) {
                    log.put("max_bytes", l);
                } else {
                    log.put("max_bytes", (String) size);
                }
                log.put("backups", v.containsKey(backupsKey) ? integer(s, at.get(backupsKey), v.get(backupsKey), 10) : 10);
            }
            return log;
        }

        String unmappedProgramKey(String key) {
            return switch (key) {
                case "stdout_capture_maxbytes", "stderr_capture_maxbytes", "stdout_events_enabled",
                        "stderr_events_enabled" -> "not imported: baton has no event listeners";
                case "serverurl" -> "not imported: programs reach baton's HTTP API directly";
                default -> "unknown key, not imported";
            };
        }

        // ---- value parsers (supervisord's datatypes) ----

        boolean bool(IniFile.Section s, IniFile.Entry e, String v, boolean dflt) {
            switch (v.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1":
                    return true;
                case "false", "no", "off", "0":
                    return false;
                default:
                    warn(s, e, "'" + v + "' is not a boolean: using " + dflt);
                    return dflt;
            }
        }

        int integer(IniFile.Section s, IniFile.Entry e, String v, int dflt) {
            try {
                return Integer.parseInt(v.strip());
            } catch (NumberFormatException ex) {
                warn(s, e, "'" + v + "' is not an integer: using " + dflt);
                return dflt;
            }
        }

        String restart(IniFile.Section s, IniFile.Entry e, String v) {
            String t = v.strip().toLowerCase(Locale.ROOT);
            if (t.equals("unexpected")) {
                return "on-failure";
            }
            if (Set.of("true", "yes", "on", "1", "false", "no", "off", "0").contains(t)) {
                return bool(s, e, t, true) ? "always" : "never";
            }
            warn(s, e, "'" + v + "' is not false, unexpected or true: using on-failure");
            return "on-failure";
        }

        List<Integer> exitCodes(IniFile.Section s, IniFile.Entry e, String v) {
            List<Integer> codes = new ArrayList<>();
            for (String c : v.split(",")) {
                if (c.isBlank()) {
                    continue;
                }
                try {
                    int n = Integer.parseInt(c.strip());
                    if (n < 0 || n > 255) {
                        throw new NumberFormatException();
                    }
                    codes.add(n);
                } catch (NumberFormatException ex) {
                    warn(s, e, "'" + c.strip() + "' is not an exit code (0-255): skipped");
                }
            }
            if (codes.isEmpty()) {
                codes.add(0);
            }
            return codes;
        }

        String signal(IniFile.Section s, IniFile.Entry e, String v) {
            try {
                return Signals.name(Signals.parse(v)).substring(3);
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException ex) {
                warn(s, e, ex.getMessage() + ": using TERM");
                return "TERM";
            }
        }

        String umask(IniFile.Section s, IniFile.Entry e, String v) {
            String t = v.strip().toLowerCase(Locale.ROOT);
            if (t.startsWith("0o")) {
                t = t.substring(2);
            }
            try {
                int n = Integer.parseInt(t, 8);
                if (n < 0 || n > 0777) {
                    throw new NumberFormatException();
                }
                return String.format("%03o", n);
            } catch (NumberFormatException ex) {
                warn(s, e, "'" + v + "' is not an octal umask: not imported");
                return null;
            }
        }

        /** supervisord's byte_size: KB, MB, GB are powers of 1024. A long, or a string such as "50MiB". */
        Object size(IniFile.Section s, IniFile.Entry e, String v) {
            Matcher m = Pattern.compile("(\\d+)\\s*(KB|MB|GB)?").matcher(v.strip().toUpperCase(Locale.ROOT));
            if (!m.matches()) {
                warn(s, e, "'" + v + "' is not a size such as 50MB: using 50MiB");
                return "50MiB";
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2);
            if (n == 0) {
                return 0L;
            }
            return unit == null ? (Object) n : n + "" + unit.charAt(0) + "iB";
        }

        /** supervisord's dict_of_key_value_pairs: {@code KEY="val",KEY2=val2} (quotes allow commas). */
        Map<String, String> environment(IniFile.Section s, IniFile.Entry e, String v) {
            Map<String, String> out = new LinkedHashMap<>();
            List<String> parts = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            char quote = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                    cur.append(c);
                } else if (c == '"' || c == '\'') {
                    quote = c;
                    cur.append(c);
                } else if (c == ',') {
                    parts.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            parts.add(cur.toString());
            for (String part : parts) {
                String t = part.strip();
                if (t.isEmpty()) {
                    continue;
                }
                int eq = t.indexOf('=');
                if (eq <= 0) {
                    warn(s, e, "'" + t + "' is not KEY=value: skipped");
                    continue;
                }
                out.put(t.substring(0, eq).strip(), unquote(t.substring(eq + 1).strip()));
            }
            return out;
        }

        // ---- %(name)s expansion ----

        String expand(IniFile.Section s, IniFile.Entry e, String value, Map<String, String> vars) {
            if (value.indexOf('%') < 0) {
                return value;
            }
            Matcher m = EXPR.matcher(value);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String rep;
                if (m.group().equals("%%")) {
                    rep = "%";
                } else {
                    String name = m.group(1);
                    String val = lookup(s, e, name, vars);
                    if (val == null) {
                        rep = m.group();
                    } else if (m.group(3).equals("d")) {
                        try {
                            rep = String.format("%" + m.group(2).replace("#", "") + "d", Long.parseLong(val));
                        } catch (RuntimeException ex) {
                            rep = val;
                        }
                    } else {
                        rep = val;
                    }
                }
                m.appendReplacement(out, Matcher.quoteReplacement(rep));
            }
            m.appendTail(out);
            return out.toString();
        }

        private final Set<String> envWarned = new TreeSet<>();

        String lookup(IniFile.Section s, IniFile.Entry e, String name, Map<String, String> vars) {
            if (name.equals("here")) {
                return s.file.getParent().toString();
            }
            if (vars.containsKey(name)) {
                return vars.get(name);
            }
            String once = s.file + "|" + s.name + "|" + e.key() + "|" + name;
            boolean first = envWarned.add(once);
            if (name.equals("host_node_name")) {
                if (first) {
                    warn(s, e, "%(host_node_name)s expanded to '" + hostName + "', this machine's name");
                }
                return hostName;
            }
            if (name.startsWith("ENV_")) {
                String val = env.get(name.substring(4));
                if (first) {
                    warn(s, e, val == null
                            ? "%(" + name + ")s: " + name.substring(4) + " is not set here: left as is, fix it by hand"
                            : "%(" + name + ")s expanded from this environment: the value is now fixed in the TOML");
                }
                return val;
            }
            if (first) {
                warn(s, e, "%(" + name + ")s is not a known expression here: left as is");
            }
            return null;
        }

        // ---- warnings ----

        void warn(IniFile.Section s, IniFile.Entry e, String message) {
            if (e == null) {
                warn(s, "", message);
            } else {
                warnAt(s, e.line(), e.key(), message);
            }
        }

        void warn(IniFile.Section s, String key, String message) {
            IniFile.Entry e = key.isEmpty() ? null : s.entries.get(key);
            warnAt(s, e == null ? s.line : e.line(), key, message);
        }

        void warnAt(IniFile.Section s, int line, String key, String message) {
            warnings.add(new ImportWarning(s.file, line, s.name, key, message));
        }
    }

    private static String unquote(String v) {
        // Python's str.strip('\'"'): every leading and trailing quote character
        int a = 0;
        int b = v.length();
        while (a < b && (v.charAt(a) == '"' || v.charAt(a) == '\'')) {
            a++;
        }
        while (b > a && (v.charAt(b - 1) == '"' || v.charAt(b - 1) == '\'')) {
            b--;
        }
        return v.substring(a, b);
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
