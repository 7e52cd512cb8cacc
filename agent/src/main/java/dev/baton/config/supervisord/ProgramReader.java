package dev.baton.config.supervisord;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.migration.Findings;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.TomlText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code [program:x]} section, read in the order and with the names supervisord 4's
 * {@code _processes_from_section} uses, into one baton program per process ({@code numprocs}).
 *
 * <p>Which names a %-expansion may use depends on the key, as in supervisord: the keys read once per
 * section (priority, autostart, user, ...) see {@code here}, {@code program_name},
 * {@code group_name}, {@code host_node_name} and {@code ENV_X} (the environment supervisord runs in,
 * plus its {@code [supervisord] environment=}); {@code environment=} also sees {@code process_num}
 * and {@code numprocs}; {@code command}, {@code directory}, {@code process_name} and the log keys see
 * all of those plus {@code ENV_X} for each variable of the program's own {@code environment=}.
 */
final class ProgramReader {
    static final Set<String> KEYS = Set.of("command", "process_name", "numprocs", "numprocs_start", "priority",
            "autostart", "startsecs", "startretries", "autorestart", "exitcodes", "stopsignal", "stopwaitsecs",
            "stopasgroup", "killasgroup", "user", "redirect_stderr", "stdout_logfile", "stdout_logfile_maxbytes",
            "stdout_logfile_backups", "stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
            "stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups", "stderr_capture_maxbytes",
            "stderr_events_enabled", "stderr_syslog", "environment", "directory", "umask", "serverurl");
    private static final Set<String> STDOUT = Set.of("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1");
    private static final Set<String> STDERR = Set.of("/dev/stderr", "/dev/fd/2", "/proc/self/fd/2");

    /** One process of the section, as a baton program. */
    record Imported(String processName, ObjectNode node, IniFile.Section section, int priority, List<String> argv,
                    boolean eventsEnabled, boolean stopAsGroup, boolean killAsGroup, boolean writesToStdout) {
    }

    /** What [supervisord] gives every program. */
    record Globals(Map<String, String> environment, String umask, String user, String directory) {
    }

    private final SectionReader r;
    private final Findings findings;
    private final Globals globals;

    ProgramReader(SectionReader r, Findings findings, Globals globals) {
        this.r = r;
        this.findings = findings;
        this.globals = globals;
    }

    /**
     * @param common here, program_name, group_name, host_node_name and the ENV_ names
     * @return the processes, or an empty list when supervisord would refuse the section
     */
    List<Imported> read(Vars common) {
        try {
            return processes(common);
        } catch (SectionReader.Refused refused) {
            return List.of();
        }
    }

    private List<Imported> processes(Vars common) {
        // read once per section (options.py: before the process_num loop)
        int priority = r.integer("priority", 999, common);
        boolean autostart = r.bool("autostart", "true", common);
        String restart = r.restart("autorestart", common);
        int startSecs = r.integer("startsecs", 1, common);
        int startRetries = r.integer("startretries", 3, common);
        String stopSignal = r.signal("stopsignal", "TERM", common);
        int stopWaitSecs = r.integer("stopwaitsecs", 10, common);
        boolean stopAsGroup = r.bool("stopasgroup", "false", common);
        boolean killAsGroup = r.bool("killasgroup", Boolean.toString(stopAsGroup), common);
        List<Integer> exitCodes = r.exitCodes("exitcodes", common);
        boolean redirectStderr = r.bool("redirect_stderr", "false", common);
        int numprocs = r.integer("numprocs", 1, common);
        int numprocsStart = r.integer("numprocs_start", 0, common);
        r.size("stdout_capture_maxbytes", "0", common);
        boolean events = r.bool("stdout_events_enabled", "false", common) | r.bool("stderr_events_enabled", "false", common);
        r.size("stderr_capture_maxbytes", "0", common);
        r.expanded("serverurl", null, common);
        String user = r.expanded("user", null, common);
        String umask = r.has("umask") ? r.umask("umask", common) : globals.umask();
        String processName = r.has("process_name") ? r.raw("process_name").strip() : "%(program_name)s";
        for (char bad : new char[] {' ', ':', '/'}) {
            if (processName.indexOf(bad) >= 0) {
                throw r.refuse("process_name", "invalid name '" + processName + "' because of the character '" + bad + "'");
            }
        }
        if (numprocs > 1 && !processName.contains("%(process_num)")) {
            throw r.refuse("process_name", "%(process_num) must be present within process_name when numprocs > 1");
        }
        if (stopAsGroup && !killAsGroup) {
            throw r.refuse("killasgroup", "cannot set stopasgroup=true and killasgroup=false");
        }
        if (numprocs > 1) {
            r.note(Impact.COSMETIC, "numprocs", "imported as " + numprocs + " programs named by process_name "
                    + "(baton has no process groups: start and stop each by name)");
        }
        for (String key : r.section.entries.keySet()) {
            if (!KEYS.contains(key)) {
                r.note(Impact.COSMETIC, key, "not a supervisord program key: supervisord ignored it, and so does the import");
            }
        }
        if (r.has("serverurl")) {
            r.note(Impact.COSMETIC, "serverurl", "not imported: a program reaches baton through its HTTP API "
                    + "(supervisorctl and SUPERVISOR_SERVER_URL do not apply)");
        }

        List<Imported> out = new ArrayList<>();
        for (int n = numprocsStart; n < numprocsStart + numprocs; n++) {
            int mark = findings.size();
            Vars vars = common.copy().put("process_num", n).put("numprocs", numprocs);
            Map<String, String> env = r.keyValuePairs("environment", r.expanded("environment", "", vars));
            Vars own = vars.copy().fileEnvironment(env);
            String name = r.expand("process_name", processName, own);
            List<String> argv = command(own);
            ObjectNode p = TomlText.MAPPER.createObjectNode();
            ArrayNode cmd = p.putArray("command");
            argv.forEach(cmd::add);
            String directory = r.has("directory") ? r.expanded("directory", null, own) : globals.directory();
            if (directory != null) {
                p.put("directory", directory);
            }
            Map<String, String> allEnv = new LinkedHashMap<>(globals.environment());
            allEnv.putAll(env);
            if (!allEnv.isEmpty()) {
                ObjectNode e = p.putObject("environment");
                allEnv.forEach(e::put);
            }
            String runAs = user != null ? user : globals.user();
            if (runAs != null) {
                p.put("user", runAs);
            }
            if (umask != null) {
                p.put("umask", umask);
            }
            p.put("priority", 0); // set once every program is known: supervisord orders by group, then program
            p.put("autostart", autostart);
            p.put("restart", restart);
            ArrayNode codes = p.putArray("exit_codes");
            exitCodes.forEach(codes::add);
            p.put("start_secs", startSecs + "s");
            p.put("start_retries", startRetries);
            p.put("stop_signal", stopSignal);
            p.put("stop_timeout", stopWaitSecs + "s");
            Logs logs = logs(own, redirectStderr);
            if (!logs.table().isEmpty()) {
                p.set("log", logs.table());
            }
            out.add(new Imported(name, p, r.section, priority, argv, events, stopAsGroup, killAsGroup, logs.raw()));
            if (n > numprocsStart) {
                findings.truncate(mark); // said once per section, for the first process
            }
        }
        return out;
    }

    /** shlex.split of the expanded command, as supervisord's get_execv_args does: no shell, ever. */
    private List<String> command(Vars vars) {
        String command = r.expanded("command", null, vars);
        if (command == null) {
            throw r.refuse("", "program section does not specify a command");
        }
        List<String> argv;
        try {
            argv = Shlex.split(command);
        } catch (IllegalArgumentException e) {
            throw r.refuse("command", "can't parse command '" + command + "': " + e.getMessage()
                    + " (supervisord accepts the file but never starts the program)");
        }
        if (argv.isEmpty()) {
            throw r.refuse("command", "command is empty");
        }
        String shell = Shlex.shellSyntax(command);
        if (shell != null) {
            r.note(Impact.COSMETIC, "command", "'" + shell + "' is passed to " + argv.get(0) + " as a literal "
                    + "argument, as supervisord passed it (it runs no shell): if a shell was meant, write the "
                    + "command as [\"/bin/sh\", \"-c\", \"...\"]");
        }
        return argv;
    }

    /**
     * A program's log table, and whether its output went to supervisord's own stdout untouched (the
     * caller turns that into {@code log_mode = "raw"}).
     */
    private record Logs(ObjectNode table, boolean raw) {
    }

    /** supervisord's log keys as baton's {@code log} table. */
    private Logs logs(Vars vars, boolean redirect) {
        ObjectNode log = TomlText.MAPPER.createObjectNode();
        boolean raw = false;
        String out = r.expanded("stdout_logfile", "AUTO", vars);
        String file = null;
        String sizeKey = "stdout_logfile_maxbytes";
        String backupsKey = "stdout_logfile_backups";
        if (STDOUT.contains(out)) {
            log.put("stdout", true);
            raw = true;
        } else if (STDERR.contains(out)) {
            log.put("stdout", true);
            raw = true;
            r.note(Impact.COSMETIC, "stdout_logfile", "baton has one output stream: these lines go to baton's stdout");
        } else if (out.equalsIgnoreCase("NONE")) {
            log.put("stdout", false);
        } else if (out.equalsIgnoreCase("syslog")) {
            log.put("stdout", true);
            r.note(Impact.COSMETIC, "stdout_logfile", "under systemd baton's stdout is the journal, where each line has "
                    + "SYSLOG_IDENTIFIER=<program>: use journalctl -t <program>");
        } else if (!out.equalsIgnoreCase("AUTO")) {
            file = out;
            log.put("stdout", false);
        }
        if (r.bool("stdout_syslog", "false", vars)) {
            log.put("stdout", true);
            r.note(Impact.COSMETIC, "stdout_syslog", "mapped to log.stdout = true: under systemd baton sends each line to "
                    + "the journal with SYSLOG_IDENTIFIER=<program> (journalctl -t <program>)");
        }
        if (!redirect) {
            String err = r.expanded("stderr_logfile", "AUTO", vars);
            if (STDOUT.contains(err) || STDERR.contains(err)) {
                if (!log.path("stdout").asBoolean(true)) {
                    r.note(Impact.COSMETIC, "stderr_logfile", "baton cannot send only stderr to its stdout: stderr "
                            + "lines go where stdout lines go");
                } else {
                    raw = true;
                }
            } else if (err.equalsIgnoreCase("NONE")) {
                r.note(Impact.COSMETIC, "stderr_logfile", "baton cannot discard stderr alone: stderr lines go where "
                        + "stdout lines go");
            } else if (!err.equalsIgnoreCase("AUTO") && !err.equalsIgnoreCase("syslog")) {
                if (file == null) {
                    file = err;
                    sizeKey = "stderr_logfile_maxbytes";
                    backupsKey = "stderr_logfile_backups";
                    if (!log.has("stdout")) {
                        log.put("stdout", false);
                    }
                    r.note(Impact.COSMETIC, "stderr_logfile", "baton keeps one log file per program: log.file = " + err
                            + " receives stdout and stderr lines");
                } else if (!err.equals(file)) {
                    r.note(Impact.COSMETIC, "stderr_logfile", "baton keeps one log file per program: stderr lines also "
                            + "go to " + file);
                }
            }
            if (r.bool("stderr_syslog", "false", vars)) {
                r.note(Impact.COSMETIC, "stderr_syslog", "stderr lines go where stdout lines go (the journal when "
                        + "log.stdout = true under systemd)");
            }
        } else {
            for (String k : List.of("stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups", "stderr_syslog")) {
                if (r.has(k)) {
                    r.note(Impact.COSMETIC, k, "ignored because redirect_stderr = true (as supervisord does)");
                }
            }
        }
        if (file != null) {
            log.put("file", file);
            Object size = r.size(sizeKey, "50MB", vars);
            if (size instanceof Long bytes) {
                log.put("max_bytes", bytes);
            } else {
                log.put("max_bytes", size.toString());
            }
            log.put("backups", r.integer(backupsKey, 10, vars));
        } else {
            // read anyway: supervisord refuses a bad value even when no file is written
            r.size("stdout_logfile_maxbytes", "50MB", vars);
            r.integer("stdout_logfile_backups", 10, vars);
        }
        return new Logs(log, raw);
    }
}
