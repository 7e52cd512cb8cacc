package dev.baton.config.systemd;

import static dev.baton.config.systemd.SystemdImporter.DEFAULT_NOFILE;
import static dev.baton.config.systemd.SystemdImporter.DEFAULT_PATH;
import static dev.baton.config.systemd.SystemdImporter.EXEC_SEARCH;
import static dev.baton.config.systemd.SystemdImporter.NOT_APPLIED;
import static dev.baton.config.systemd.SystemdImporter.NOT_APPLIED_ACCESS;
import static dev.baton.config.systemd.SystemdImporter.START_TARGETS;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.migration.Findings;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.Placeholders;
import dev.baton.config.migration.TomlText;
import dev.baton.process.os.ResourceLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one service unit into a baton program, key by key as systemd reads it: what systemd would
 * run is kept, what baton does otherwise is a finding at the line of the key (see {@link SystemdImporter}).
 */
final class UnitReader {
    /** StateDirectory= and its kin, with the variable systemd sets for each and the directory it is under. */
    private static final Map<String, String[]> EXEC_DIRECTORIES = new LinkedHashMap<>();

    static {
        EXEC_DIRECTORIES.put("RuntimeDirectory", new String[] {"RUNTIME_DIRECTORY", "/run/"});
        EXEC_DIRECTORIES.put("StateDirectory", new String[] {"STATE_DIRECTORY", "/var/lib/"});
        EXEC_DIRECTORIES.put("CacheDirectory", new String[] {"CACHE_DIRECTORY", "/var/cache/"});
        EXEC_DIRECTORIES.put("LogsDirectory", new String[] {"LOGS_DIRECTORY", "/var/log/"});
        EXEC_DIRECTORIES.put("ConfigurationDirectory", new String[] {"CONFIGURATION_DIRECTORY", "/etc/"});
    }

    /** %h, %u, %U not preceded by another '%' (which would make it a literal "%h"). */
    private static final Pattern MANAGER_USER = Pattern.compile("(?<!%)(%%)*%[huU]");

    private final String unitName;
    private final Path file;
    private final UnitFile unit;
    private final Findings findings;
    private final Path root;
    private final String hostName;
    private final Set<String> imported;
    /** Whether the unit is enabled on this host (null: its file is not installed here, so unknown). */
    private final Boolean enabled;
    private final List<String> after = new ArrayList<>();
    private final List<String> before = new ArrayList<>();
    private final Set<String> handled = new java.util.HashSet<>();

    UnitReader(String unitName, Path file, UnitFile unit, Findings findings, Path root, String hostName,
               Set<String> imported, Boolean enabled) {
        this.enabled = enabled;
        this.unitName = unitName;
        this.file = file;
        this.unit = unit;
        this.findings = findings;
        this.root = root;
        this.hostName = hostName;
        this.imported = imported;
    }

    String unitName() {
        return unitName;
    }

    List<String> after() {
        return after;
    }

    List<String> before() {
        return before;
    }

    String programName() {
        String n = unitName.endsWith(".service") ? unitName.substring(0, unitName.length() - 8) : unitName;
        return n.replace('@', '.').replace('\\', '_');
    }

    void note(Impact impact, String key, String message) {
        UnitFile.Entry e = key.isEmpty() ? null : unit.last("Service", key);
        if (e == null && !key.isEmpty()) {
            e = unit.entries.stream().filter(x -> x.key().equals(key)).reduce((a, b) -> b).orElse(null);
        }
        findings.add(impact, e == null ? file : e.file(), e == null ? 0 : e.line(), e == null ? "" : e.section(),
                key, message);
    }

    private void noteAt(Impact impact, UnitFile.Entry e, String message) {
        findings.add(impact, e.file(), e.line(), e.section(), e.key(), message);
    }

    /**
     * The value of Service/key (the last assignment), marked as handled; null when unset or when the
     * last assignment is empty, which resets the key to systemd's default (a drop-in's {@code User=}).
     */
    private String value(String section, String key) {
        handled.add(section + "/" + key);
        UnitFile.Entry e = unit.last(section, key);
        return e == null || e.value().isEmpty() ? null : e.value();
    }

    private List<UnitFile.Entry> values(String section, String key) {
        handled.add(section + "/" + key);
        return unit.list(section, key);
    }

    /** A value that cannot be imported; the reason is already a FAILED finding. */
    private static final class Unresolvable extends Exception {
        Unresolvable() {
            super(null, null, false, false);
        }
    }

    /** The program, or null when it cannot be imported (the reason is a FAILED finding). */
    ObjectNode read() {
        try {
            return program();
        } catch (Unresolvable u) {
            return null;
        }
    }

    private ObjectNode program() throws Unresolvable {
        for (UnitFile.Ignored i : unit.ignored) {
            findings.add(Impact.COSMETIC, i.file(), i.line(), i.section() == null ? "" : i.section(), "",
                    "systemd ignores this line (\"" + i.why() + "\"), and so does the import");
        }
        if (!unit.hasSection("Service")) {
            findings.add(Impact.FAILED, file, 0, "", "", "not a service unit (no [Service] section): only services "
                    + "run programs; not imported");
            return null;
        }
        if (unitName.contains("@.")) {
            findings.add(Impact.FAILED, file, 0, "", "", "a template unit: import an instance of it "
                    + "(" + unitName.replace("@.", "@NAME.") + ")");
            return null;
        }
        ObjectNode p = TomlText.MAPPER.createObjectNode();
        String type = value("Service", "Type");
        type = type == null ? "simple" : type;
        List<UnitFile.Entry> starts = values("Service", "ExecStart");
        if (starts.isEmpty()) {
            findings.add(Impact.FAILED, file, 0, "Service", "ExecStart", "systemd itself refuses this unit (\"Service "
                    + "has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.\"): not imported");
            return null;
        }
        if (starts.size() > 1 && !type.equals("oneshot")) {
            noteAt(Impact.FAILED, starts.get(1), "systemd itself refuses this unit (\"Service has more than one "
                    + "ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.\"): not imported");
            return null;
        }
        Map<String, String> env = environment();
        String user = resolvedValue("User");
        String group = resolvedValue("Group");
        Map<String, String> child = childEnvironment(env, user);
        List<String> argv = command(starts.get(0), child, p);
        if (argv == null) {
            return null;
        }
        if (!type(type, p)) {
            return null;
        }
        if (user != null) {
            if (user.equals("root") || user.equals("0")) {
                p.put("user", "root");
            } else {
                p.put("user", user);
            }
        }
        Boolean dynamic = bool("DynamicUser");
        if (Boolean.TRUE.equals(dynamic)) {
            note(Impact.FAILED, "DynamicUser", "baton cannot allocate a dynamic user: create a user and set User= "
                    + "(without it the program would run as baton's user); not imported");
            return null;
        }
        if (group != null) {
            p.put("group", group);
        }
        directory(p, user);
        String umask = value("Service", "UMask");
        p.put("umask", umask == null ? "022" : umask.replaceFirst("^0(?=[0-7]{3}$)", ""));
        ObjectNode e = p.putObject("environment");
        child.forEach(e::put);
        p.put("inherit_environment", false);
        p.put("priority", 0); // set from After= once every unit is read
        p.put("autostart", install());
        restart(p);
        stop(p, child);
        limits(p);
        if (Boolean.FALSE.equals(bool("IgnoreSIGPIPE"))) {
            p.put("ignore_sigpipe", false); // yes, systemd's default, is baton's
        }
        logs(p);
        unit(p);
        rest();
        return p;
    }

    /** Environment= then EnvironmentFile= (which wins), as systemd builds the service's variables. */
    private Map<String, String> environment() throws Unresolvable {
        Map<String, String> env = new LinkedHashMap<>();
        for (UnitFile.Entry e : values("Service", "Environment")) {
            try {
                for (String unquoted : ExecLine.split(e.value())) {
                    String word = resolved(e, unquoted);
                    int eq = word.indexOf('=');
                    if (eq <= 0 || !ExecLine.isName(word.substring(0, eq))) {
                        noteAt(Impact.COSMETIC, e, "'" + word + "' is not NAME=VALUE: systemd ignores it, and so does "
                                + "the import");
                    } else {
                        env.put(word.substring(0, eq), word.substring(eq + 1));
                        if (word.indexOf('$', eq) > 0) {
                            noteAt(Impact.COSMETIC, e, "systemd does not expand $ in Environment=: "
                                    + word.substring(0, eq) + " holds '" + word.substring(eq + 1) + "' as written, "
                                    + "and so it does under baton");
                        }
                    }
                }
            } catch (ExecLine.Invalid invalid) {
                noteAt(Impact.COSMETIC, e, invalid.getMessage() + ": systemd ignores this line, and so does the import");
            }
        }
        for (UnitFile.Entry e : values("Service", "EnvironmentFile")) {
            String value = resolved(e, e.value());
            boolean optional = value.startsWith("-");
            String path = optional ? value.substring(1) : value;
            Path f = root.resolve(path.startsWith("/") ? path.substring(1) : path);
            try {
                EnvironmentFile.Parsed parsed = EnvironmentFile.read(f);
                env.putAll(parsed.values());
                for (String line : parsed.ignored()) {
                    noteAt(Impact.COSMETIC, e, path + ": '" + line + "' does not assign a variable (its name is not "
                            + "one): systemd ignores it, and so does the import");
                }
                noteAt(Impact.BEHAVIOUR, e, "the variables of " + path + " are copied into the TOML as they are now: "
                        + "systemd read the file at each start, baton does not read it");
            } catch (IOException io) {
                if (optional) {
                    noteAt(Impact.COSMETIC, e, path + " does not exist on this host (optional with '-'): no variables");
                } else {
                    noteAt(Impact.FAILED, e, path + " cannot be read on this host (" + io.getMessage() + "): systemd "
                            + "refuses to start the unit without it; import on the host that runs it");
                }
            }
        }
        for (UnitFile.Entry e : values("Service", "PassEnvironment")) {
            noteAt(Impact.BEHAVIOUR, e, "systemd passed " + e.value() + " from its own environment; baton starts "
                    + "the program with inherit_environment = false: set the values in environment");
        }
        return env;
    }

    /**
     * What the service process sees: systemd's clean environment (PATH; USER, LOGNAME, HOME and SHELL
     * for User=), then the unit's variables.
     */
    private Map<String, String> childEnvironment(Map<String, String> env, String user) throws Unresolvable {
        Map<String, String> child = new LinkedHashMap<>();
        child.put("PATH", DEFAULT_PATH);
        if (user != null) {
            child.put("USER", user);
            child.put("LOGNAME", user);
            String[] pw = passwd(user);
            if (pw != null) {
                child.put("USER", pw[0]); // User=1000: systemd sets the name from passwd, not the number
                child.put("LOGNAME", pw[0]);
                child.put("HOME", pw[5]);
                child.put("SHELL", pw[6]);
            } else {
                note(Impact.BEHAVIOUR, "User", "systemd sets HOME and SHELL from " + user + "'s passwd entry, which "
                        + "this host does not have: add HOME (and SHELL) to the program's environment");
            }
        }
        execDirectories(child);
        child.putAll(env);
        unsetEnvironment(child);
        return child;
    }

    /**
     * UnsetEnvironment= removes from what the process would see, systemd's own variables (PATH, HOME,
     * ...) included: NAME removes it, NAME=VALUE only an assignment of exactly that value.
     */
    private void unsetEnvironment(Map<String, String> child) throws Unresolvable {
        for (UnitFile.Entry e : values("Service", "UnsetEnvironment")) {
            for (String word : resolved(e, e.value()).trim().split("\\s+")) {
                int eq = word.indexOf('=');
                if (eq < 0) {
                    child.remove(word);
                } else {
                    child.remove(word.substring(0, eq), word.substring(eq + 1));
                }
            }
        }
    }

    /**
     * systemd tells the program where its StateDirectory= (and kin) are: $STATE_DIRECTORY=/var/lib/NAME,
     * which units use in ExecStart= ("--base-path ${STATE_DIRECTORY}"). The variables are kept; that
     * baton does not create the directories is reported with the sandboxing keys (so not marked handled).
     */
    private void execDirectories(Map<String, String> child) throws Unresolvable {
        for (Map.Entry<String, String[]> d : EXEC_DIRECTORIES.entrySet()) {
            List<String> paths = new ArrayList<>();
            for (UnitFile.Entry e : unit.list("Service", d.getKey())) {
                for (String name : resolved(e, e.value()).split("\\s+")) {
                    if (!name.isEmpty()) {
                        paths.add(d.getValue()[1] + name.split(":")[0]); // NAME:LINK also links LINK to it
                    }
                }
            }
            if (!paths.isEmpty()) {
                child.put(d.getValue()[0], String.join(":", paths));
            }
        }
    }

    /** The last value of Service/key with its specifiers resolved, or null; marked as handled. */
    private String resolvedValue(String key) throws Unresolvable {
        String v = value("Service", key);
        return v == null ? null : resolved(unit.last("Service", key), v);
    }

    /**
     * {@code text} (from {@code e}) with systemd's specifiers resolved, as systemd resolves them in
     * User=, Group=, WorkingDirectory=, Environment= and EnvironmentFile= (not only in ExecStart=).
     */
    private String resolved(UnitFile.Entry e, String text) throws Unresolvable {
        try {
            String out = Specifiers.expand(text, unitName, hostName);
            noteManagerUser(e, text, out);
            return out;
        } catch (Specifiers.Unknown u) {
            noteAt(Impact.FAILED, e, "'" + text + "': " + u.getMessage() + "; not imported");
            throw new Unresolvable();
        }
    }

    /** %h with User=sol is /root, not sol's home: systemd's rule, kept, and worth a word. */
    private void noteManagerUser(UnitFile.Entry e, String text, String out) {
        UnitFile.Entry userEntry = unit.last("Service", "User");
        String user = userEntry == null || userEntry.value().isEmpty() ? "root" : userEntry.value();
        if (!user.equals("root") && !user.equals("0") && MANAGER_USER.matcher(text).find()) {
            noteAt(Impact.COSMETIC, e, "%h, %u and %U name the user running systemd (root), not User=" + user
                    + ": imported as '" + out + "', as systemd resolved it");
        }
    }

    private String[] passwd(String user) {
        try {
            for (String line : Files.readAllLines(root.resolve("etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 7 && (f[0].equals(user) || f[2].equals(user))) {
                    return f;
                }
            }
        } catch (IOException e) {
            // no passwd: reported by the caller
        }
        return null;
    }

    /** ExecStart= as the argv systemd execs. */
    private List<String> command(UnitFile.Entry start, Map<String, String> env, ObjectNode p) {
        String mark = Placeholders.find(start.value());
        List<ExecLine.Command> cmds;
        try {
            String expanded = Specifiers.expand(start.value(), unitName, hostName);
            noteManagerUser(start, start.value(), expanded);
            cmds = ExecLine.parse(expanded);
        } catch (ExecLine.Invalid | Specifiers.Unknown e) {
            noteAt(Impact.FAILED, start, "systemd cannot read this command line (" + e.getMessage() + ") and so "
                    + "has no ExecStart=: it refuses the unit; not imported");
            return null;
        }
        if (cmds.size() > 1) {
            noteAt(Impact.FAILED, start, "several commands separated by ';': only Type=oneshot may run them in turn, "
                    + "and baton runs one command per program; not imported");
            return null;
        }
        ExecLine.Command cmd = cmds.get(0);
        List<String> words = new ArrayList<>(cmd.words());
        String exe = words.get(0);
        if (mark != null && exe.contains(mark.substring(0, Math.min(2, mark.length())))) {
            noteAt(Impact.FAILED, start, "the executable " + Placeholders.message(mark) + "; not imported");
            return null;
        }
        if (!exe.startsWith("/") && exe.contains("/")) {
            noteAt(Impact.FAILED, start, "systemd itself refuses this unit: '" + exe + "' is neither an absolute path "
                    + "nor a plain name; not imported");
            return null;
        }
        List<String> missing = new ArrayList<>();
        List<String> argv = cmd.has(':') ? words : ExecLine.substitute(words, env, missing);
        if (!missing.isEmpty()) {
            noteAt(Impact.BEHAVIOUR, start, "uses $" + String.join(", $", new java.util.LinkedHashSet<>(missing))
                    + ", which the unit does not define: systemd substitutes nothing, and so does the import");
        }
        if (cmd.has('@')) {
            if (argv.size() < 2) {
                noteAt(Impact.FAILED, start, "'@' needs the argv[0] to show after the executable; not imported");
                return null;
            }
            noteAt(Impact.BEHAVIOUR, start, "'@' made the program see '" + argv.get(1) + "' as its argv[0]; baton "
                    + "passes the executable's path");
            argv.remove(1);
        }
        if (cmd.has('+') || cmd.has('!')) {
            noteAt(Impact.BEHAVIOUR, start, "the '" + cmd.prefixes() + "' prefix ran the command with full "
                    + "privileges, ignoring User= and the sandbox; baton runs it as user = " + p.path("user").asText("baton's user"));
        }
        if (cmd.has('-')) {
            ArrayNode all = p.putArray("exit_codes");
            for (int c = 0; c <= 255; c++) {
                all.add(c);
            }
            noteAt(Impact.COSMETIC, start, "'-': any exit code counts as success, so exit_codes lists 0-255");
        }
        if (mark != null) {
            noteAt(Impact.BEHAVIOUR, start, "the command " + Placeholders.message(mark));
        }
        String resolved = resolve(argv.get(0));
        if (resolved == null) {
            noteAt(Impact.BEHAVIOUR, start, argv.get(0) + " is not in systemd's search path on this host ("
                    + String.join(":", EXEC_SEARCH.stream().map(d -> "/" + d).toList()) + "), where systemd looks "
                    + "for a plain name; baton looks it up in the program's PATH");
        } else if (!resolved.equals(argv.get(0))) {
            noteAt(Impact.COSMETIC, start, argv.get(0) + " is " + resolved + " in systemd's search path: imported "
                    + "with the full path, which is what systemd runs");
            argv.set(0, resolved);
        }
        ArrayNode a = p.putArray("command");
        argv.forEach(a::add);
        return argv;
    }

    private String resolve(String exe) {
        if (exe.startsWith("/")) {
            return exe;
        }
        for (String d : EXEC_SEARCH) {
            Path f = root.resolve(d).resolve(exe);
            if (Files.isRegularFile(f) && Files.isExecutable(f)) {
                return "/" + d + "/" + exe;
            }
        }
        return null;
    }

    /** Type=: the ones baton can run as they are, and the ones it cannot. */
    private boolean type(String type, ObjectNode p) {
        switch (type) {
            case "simple", "exec", "idle" -> { }
            case "notify", "notify-reload" -> note(Impact.BEHAVIOUR, "Type", "systemd waited for the program's "
                    + "READY=1; baton counts it started after start_secs and gives it no NOTIFY_SOCKET");
            case "oneshot" -> note(Impact.BEHAVIOUR, "Type", "a oneshot unit: baton runs it as a program that "
                    + "exits (restart = \"never\"); a unit ordered after it does not wait for it to finish");
            case "dbus" -> note(Impact.BEHAVIOUR, "Type", "systemd waited for the program's D-Bus name; baton counts "
                    + "it started after start_secs");
            case "forking" -> {
                note(Impact.FAILED, "Type", "a forking daemon leaves the process baton started at once; run it in "
                        + "the foreground (its --foreground / -D / --nodaemon flag) with Type=simple and import again; "
                        + "not imported");
                return false;
            }
            default -> note(Impact.COSMETIC, "Type", "'" + type + "' is not a service type: systemd uses simple, "
                    + "and so does the import");
        }
        return true;
    }

    private void directory(ObjectNode p, String user) throws Unresolvable {
        String dir = resolvedValue("WorkingDirectory");
        if (dir == null) {
            return;
        }
        boolean optional = dir.startsWith("-");
        String d = optional ? dir.substring(1) : dir;
        if (d.equals("~")) {
            String[] pw = user == null ? passwd("root") : passwd(user);
            if (pw == null) {
                note(Impact.FAILED, "WorkingDirectory", "'~' is the home of " + (user == null ? "root" : user)
                        + ", which this host does not know: write the directory");
                return;
            }
            d = pw[5];
        }
        p.put("directory", d);
        if (optional) {
            note(Impact.COSMETIC, "WorkingDirectory", "'-': systemd ran the program in / when the directory was "
                    + "missing; baton fails the start instead");
        }
    }

    /** [Install]: a unit wanted by a boot target started at boot. */
    private boolean install() {
        List<UnitFile.Entry> wanted = new ArrayList<>(values("Install", "WantedBy"));
        wanted.addAll(values("Install", "RequiredBy"));
        handled.add("Install/Alias");
        handled.add("Install/Also");
        boolean atBoot = wanted.stream().flatMap(e -> List.of(e.value().split("\\s+")).stream())
                .anyMatch(START_TARGETS::contains);
        if (!atBoot) {
            note(Impact.BEHAVIOUR, "", "no WantedBy= of a boot target in [Install]: systemd started it only when "
                    + "another unit or a person asked; imported with autostart = false");
        } else if (Boolean.FALSE.equals(enabled)) {
            // [Install] only says what systemctl enable would do; a disabled unit (a standby copy) does not start
            note(Impact.BEHAVIOUR, "WantedBy", unitName + " is not enabled on this host (systemctl enable was not run, "
                    + "or it was disabled): systemd did not start it at boot; imported with autostart = false");
            return false;
        }
        return atBoot;
    }

    /** Restart=, RestartSec=, the start limit, RestartPreventExitStatus=, SuccessExitStatus=. */
    private void restart(ObjectNode p) {
        String restart = value("Service", "Restart");
        restart = restart == null ? "no" : restart;
        List<Integer> success = new ArrayList<>(List.of(0));
        for (UnitFile.Entry e : values("Service", "SuccessExitStatus")) {
            success.addAll(codes(e));
        }
        String policy;
        boolean anyCode = false;
        switch (restart) {
            case "no" -> policy = "never";
            case "always" -> policy = "always";
            case "on-failure" -> policy = "on-failure";
            case "on-abnormal", "on-abort", "on-watchdog" -> {
                policy = restart.equals("on-watchdog") ? "never" : "on-failure";
                anyCode = !restart.equals("on-watchdog");
                note(Impact.COSMETIC, "Restart", restart.equals("on-watchdog")
                        ? "baton has no watchdog: the program is not restarted (restart = \"never\")"
                        : "restart after a signal, never after an exit code: restart = \"on-failure\" with every exit "
                        + "code expected");
            }
            case "on-success" -> {
                policy = "always";
                note(Impact.BEHAVIOUR, "Restart", "systemd restarted only after a clean exit; baton has no such policy: "
                        + "restart = \"always\" also restarts after a failure");
            }
            default -> {
                policy = "never";
                note(Impact.COSMETIC, "Restart", "'" + restart + "' is not a restart setting: systemd ignores it (no "
                        + "restart), and so does the import");
            }
        }
        p.put("restart", policy);
        if (!p.has("exit_codes")) {
            ArrayNode codes = p.putArray("exit_codes");
            if (anyCode) {
                for (int c = 0; c <= 255; c++) {
                    codes.add(c);
                }
            } else {
                success.stream().distinct().sorted().forEach(codes::add);
            }
        }
        List<Integer> prevent = new ArrayList<>();
        for (UnitFile.Entry e : values("Service", "RestartPreventExitStatus")) {
            prevent.addAll(codes(e));
        }
        if (!prevent.isEmpty()) {
            ArrayNode n = p.putArray("no_restart_exit_codes");
            prevent.stream().distinct().sorted().forEach(n::add);
        }
        for (String k : List.of("RestartForceExitStatus", "StartLimitAction", "FailureAction", "SuccessAction")) {
            if (value("Service", k) != null || value("Unit", k) != null) {
                note(Impact.BEHAVIOUR, k, "not imported: baton has no " + k + " (it restarts by restart and "
                        + "no_restart_exit_codes only)");
            }
        }
        long restartSec = span("Service", "RestartSec", 100);
        String delay = UnitValues.duration(restartSec);
        String steps = value("Service", "RestartSteps");
        String maxDelay = value("Service", "RestartMaxDelaySec");
        ObjectNode backoff = p.putObject("backoff");
        backoff.put("initial", delay);
        if (steps != null && !steps.strip().matches("\\d{1,6}")) {
            note(Impact.COSMETIC, "RestartSteps", "'" + steps + "' is not a number of steps: systemd ignores it, "
                    + "and so does the import");
            steps = null;
        }
        if (steps != null && maxDelay != null && UnitValues.spanMillis(maxDelay) != null) {
            long max = Math.max(restartSec, UnitValues.spanMillis(maxDelay));
            int n = Math.max(1, Integer.parseInt(steps.strip()));
            double multiplier = restartSec <= 0 ? 2.0 : Math.pow((double) max / restartSec, 1.0 / n);
            backoff.put("max", UnitValues.duration(max));
            backoff.put("multiplier", Math.max(1.0, Math.min(100.0, Math.round(multiplier * 1000) / 1000.0)));
        } else {
            backoff.put("max", delay);
            backoff.put("multiplier", 1.0);
        }
        backoff.put("jitter", 0.0);
        if (policy.equals("never")) {
            // no automatic restart, so no start limit to reach; and a quick exit is not a failed start to retry
            // (baton retries those whatever restart says): systemd ran the command once
            p.put("start_secs", "0s");
            p.put("start_retries", 0);
            handled.add("Unit/StartLimitIntervalSec");
            handled.add("Service/StartLimitInterval");
            handled.add("Unit/StartLimitBurst");
            handled.add("Service/StartLimitBurst");
        } else {
            startLimit(p, restartSec);
        }
    }

    /**
     * systemd gives up when a unit starts more than StartLimitBurst= times within
     * StartLimitIntervalSec= (10 s and 5 by default); 0 means never. Restarts of a crashing program
     * come RestartSec apart, so the limit can only trip when burst × RestartSec < interval.
     */
    private void startLimit(ObjectNode p, long restartSec) {
        String intervalText = value("Unit", "StartLimitIntervalSec");
        String legacy = value("Service", "StartLimitInterval");
        if (intervalText == null && legacy != null) {
            intervalText = legacy;
            note(Impact.COSMETIC, "StartLimitInterval", "the old name of StartLimitIntervalSec= in [Unit]: read as it");
        }
        String burstText = value("Unit", "StartLimitBurst");
        if (burstText == null) {
            burstText = value("Service", "StartLimitBurst");
        }
        long interval = intervalText == null ? 10_000 : orDefault(UnitValues.spanMillis(intervalText), 10_000);
        int burst = 5;
        try {
            burst = burstText == null ? 5 : Integer.parseInt(burstText.strip());
        } catch (NumberFormatException e) {
            note(Impact.COSMETIC, "StartLimitBurst", "not a number: systemd uses 5, and so does the import");
        }
        p.put("start_secs", "0s"); // systemd counts a simple service started when it is forked
        if (interval == 0 || interval < 0 || (long) burst * restartSec >= interval) {
            p.put("start_retries", "forever");
            return;
        }
        long fast = Math.max(1000, interval / Math.max(1, burst) - restartSec);
        p.put("start_secs", UnitValues.duration(fast));
        p.put("start_retries", burst);
        note(Impact.BEHAVIOUR, intervalText == null ? "" : "StartLimitIntervalSec", "systemd gave up (unit failed) "
                + "after more than " + burst + " starts within " + UnitValues.duration(interval) + "; baton gives up "
                + "(FATAL) after " + burst + " restarts in a row of a program that lived less than "
                + UnitValues.duration(fast) + " each (start_secs, start_retries): set StartLimitIntervalSec=0 for "
                + "never giving up");
    }

    /** KillSignal=, KillMode=, TimeoutStopSec=, SendSIGKILL=, ExecStop= (the kill $MAINPID idiom). */
    private void stop(ObjectNode p, Map<String, String> env) {
        String signal = "TERM";
        String ks = value("Service", "KillSignal");
        if (ks != null) {
            String s = UnitValues.signal(ks);
            if (s == null) {
                note(Impact.COSMETIC, "KillSignal", "'" + ks + "' is not a signal: systemd uses SIGTERM, and so does the import");
            } else {
                signal = s;
            }
        }
        List<UnitFile.Entry> stops = values("Service", "ExecStop");
        for (UnitFile.Entry e : stops) {
            String idiom = killMainPid(e.value());
            if (idiom != null && stops.size() == 1) {
                signal = idiom;
                noteAt(Impact.COSMETIC, e, "sends SIG" + idiom + " to the main process: imported as stop_signal = \""
                        + idiom + "\"");
            } else {
                noteAt(Impact.BEHAVIOUR, e, "not imported: baton stops a program with stop_signal (" + signal
                        + "), then SIGKILL after stop_timeout; it does not run '" + e.value() + "'");
            }
        }
        p.put("stop_signal", signal);
        String mode = value("Service", "KillMode");
        if (mode != null && !mode.equals("control-group")) {
            note(Impact.BEHAVIOUR, "KillMode", switch (mode) {
                case "process" -> "systemd signalled only the main process and left its children running; baton "
                        + "signals the program's whole process group, so children stop with it";
                case "mixed" -> "systemd sent the stop signal to the main process only, SIGKILL to all; baton sends "
                        + "both to the whole process group";
                case "none" -> "systemd signalled nothing (only ExecStop= ran); baton signals the whole process group";
                default -> "'" + mode + "' is not a kill mode: systemd uses control-group, as baton does";
            });
        }
        Boolean sigkill = bool("SendSIGKILL");
        if (Boolean.FALSE.equals(sigkill)) {
            note(Impact.BEHAVIOUR, "SendSIGKILL", "systemd never sent SIGKILL; baton sends it after stop_timeout");
        }
        bool("SendSIGHUP");
        handled.add("Service/FinalKillSignal");
        String timeout = value("Service", "TimeoutStopSec");
        String key = "TimeoutStopSec";
        if (timeout == null) {
            timeout = value("Service", "TimeoutSec");
            key = "TimeoutSec";
        }
        long ms = 90_000;
        if (timeout != null) {
            Long t = UnitValues.spanMillis(timeout);
            if (t == null) {
                note(Impact.COSMETIC, key, "'" + timeout + "' is not a time span: systemd uses 90s, and so does the import");
            } else if (t <= 0 || t > UnitValues.MAX_MS) {
                // systemd reads 0 here as "no timeout", like infinity (parse_sec_fix_0), not as "kill at once"
                ms = UnitValues.MAX_MS;
                note(Impact.BEHAVIOUR, key, "systemd waited " + (t < 0 ? "forever" : t == 0 ? "forever (0 turns the "
                        + "timeout off)" : timeout) + " before SIGKILL; baton waits at most 24h");
            } else {
                ms = t;
            }
        }
        p.put("stop_timeout", UnitValues.duration(ms));
        handled.add("Service/TimeoutStartSec");
    }

    /** "/bin/kill -s INT $MAINPID", "kill -SIGINT ${MAINPID}", "/usr/bin/kill -TERM $MAINPID": the signal, or null. */
    static String killMainPid(String line) {
        List<String> w;
        try {
            w = ExecLine.split(line.replaceFirst("^[-@:+!]+", ""));
        } catch (ExecLine.Invalid e) {
            return null;
        }
        if (w.isEmpty() || !(w.get(0).equals("kill") || w.get(0).endsWith("/kill")) || w.size() < 3) {
            return null;
        }
        String last = w.get(w.size() - 1);
        if (!last.equals("$MAINPID") && !last.equals("${MAINPID}")) {
            return null;
        }
        String sig = w.size() == 4 && w.get(1).equals("-s") ? w.get(2)
                : w.size() == 3 && w.get(1).startsWith("-") ? w.get(1).substring(1) : null;
        return sig == null ? null : UnitValues.signal(sig);
    }

    private void limits(ObjectNode p) {
        ObjectNode limits = p.putObject("limits");
        Map<String, String[]> keys = new LinkedHashMap<>();
        keys.put("LimitNOFILE", new String[] {"nofile", "n"});
        keys.put("LimitNPROC", new String[] {"nproc", "n"});
        keys.put("LimitMEMLOCK", new String[] {"memlock", "b"});
        keys.put("LimitCORE", new String[] {"core", "b"});
        keys.forEach((key, spec) -> {
            String v = value("Service", key);
            ResourceLimit l = v == null ? (spec[0].equals("nofile") ? DEFAULT_NOFILE : null)
                    : UnitValues.limit(spec[0], v, spec[1].equals("b"));
            if (v != null && l == null) {
                note(Impact.COSMETIC, key, "'" + v + "' is not a limit: systemd ignores it, and so does the import");
                l = spec[0].equals("nofile") ? DEFAULT_NOFILE : null;
            }
            if (l != null) {
                if (l.soft() == l.hard() && l.soft() != ResourceLimit.UNLIMITED) {
                    limits.put(spec[0], l.soft());
                } else {
                    limits.put(spec[0], l.configText());
                }
            }
        });
        for (UnitFile.Entry e : unit.entries) {
            if (e.section().equals("Service") && e.key().startsWith("Limit") && !keys.containsKey(e.key())
                    && !e.key().equals("LimitNOFILESoft")) {
                handled.add("Service/" + e.key());
                noteAt(Impact.BEHAVIOUR, e, "not applied: baton sets nofile, nproc, memlock and core limits only");
            }
        }
    }

    private void logs(ObjectNode p) {
        String out = value("Service", "StandardOutput");
        String err = value("Service", "StandardError");
        handled.add("Service/SyslogIdentifier");
        handled.add("Service/SyslogFacility");
        handled.add("Service/SyslogLevel");
        handled.add("Service/LogRateLimitIntervalSec");
        handled.add("Service/LogRateLimitBurst");
        if (value("Service", "SyslogIdentifier") != null) {
            note(Impact.COSMETIC, "SyslogIdentifier", "baton sends a program's lines to the journal as "
                    + "SYSLOG_IDENTIFIER=" + programName() + " (journalctl -t " + programName() + ")");
        }
        ObjectNode log = TomlText.MAPPER.createObjectNode();
        for (String[] s : new String[][] {{"StandardOutput", out}, {"StandardError", err}}) {
            String v = s[1];
            if (v == null || v.equals("journal") || v.equals("inherit") || v.equals("syslog") || v.equals("kmsg")
                    || v.startsWith("journal+")) {
                continue;
            }
            if (v.equals("null")) {
                if (s[0].equals("StandardOutput")) {
                    log.put("stdout", false);
                } else {
                    note(Impact.COSMETIC, s[0], "baton cannot discard stderr alone: stderr lines go where stdout lines go");
                }
            } else if (v.startsWith("append:") || v.startsWith("file:") || v.startsWith("truncate:")) {
                String f = v.substring(v.indexOf(':') + 1);
                if (!log.has("file")) {
                    log.put("file", f);
                    log.put("stdout", false);
                    note(Impact.COSMETIC, s[0], "baton appends every line of the program to log.file = " + f
                            + (v.startsWith("truncate:") ? " (it does not truncate it at start)" : "")
                            + " and rotates it at max_bytes");
                } else if (!log.get("file").asText().equals(f)) {
                    note(Impact.COSMETIC, s[0], "baton keeps one log file per program: these lines also go to "
                            + log.get("file").asText());
                }
            } else {
                note(Impact.BEHAVIOUR, s[0], "'" + v + "' not imported: baton reads the program's output through a "
                        + "pipe and copies it to its stdout (the journal under systemd)");
            }
        }
        if (!log.isEmpty()) {
            p.set("log", log);
        }
    }

    /** [Unit]: ordering kept as priority, dependencies and conditions reported. */
    private void unit(ObjectNode p) {
        handled.add("Unit/Description");
        handled.add("Unit/Documentation");
        handled.add("Unit/StartLimitIntervalSec");
        handled.add("Unit/StartLimitBurst");
        for (UnitFile.Entry e : values("Unit", "After")) {
            after.addAll(List.of(e.value().split("\\s+")));
        }
        for (UnitFile.Entry e : values("Unit", "Before")) {
            before.addAll(List.of(e.value().split("\\s+")));
        }
        for (String k : List.of("Requires", "BindsTo", "PartOf", "Requisite", "Wants", "Upholds")) {
            for (UnitFile.Entry e : values("Unit", k)) {
                for (String u : e.value().split("\\s+")) {
                    if (imported.contains(u)) {
                        noteAt(k.equals("Wants") ? Impact.COSMETIC : Impact.BEHAVIOUR, e, "baton has no dependencies "
                                + "between programs: " + u + " is not started or stopped together with this program "
                                + "(only the start order from After= is kept, as priority)");
                    }
                }
            }
        }
        for (UnitFile.Entry e : unit.entries) {
            if (e.section().equals("Unit") && (e.key().startsWith("Condition") || e.key().startsWith("Assert"))) {
                handled.add("Unit/" + e.key());
                noteAt(Impact.BEHAVIOUR, e, "not imported: baton starts the program without checking "
                        + e.key() + "=" + e.value());
            }
        }
    }

    /** Everything not read above: what baton does not apply, and what systemd did not know either. */
    private void rest() {
        List<String> notApplied = new ArrayList<>();
        for (UnitFile.Entry e : unit.entries) {
            String k = e.section() + "/" + e.key();
            if (handled.contains(k)) {
                continue;
            }
            if (e.section().equals("Service") && e.key().startsWith("Exec")) {
                noteAt(Impact.BEHAVIOUR, e, "not imported: baton runs only the program's command; it does not run "
                        + e.key() + "= commands ('" + e.value() + "')");
            } else if (e.section().equals("Service") && e.key().equals("LimitNOFILESoft")) {
                noteAt(Impact.COSMETIC, e, "systemd knows no such key and ignores it (LimitNOFILE=SOFT:HARD sets a "
                        + "soft limit), and so does the import");
            } else if (e.section().equals("Service") && NOT_APPLIED.contains(e.key())) {
                notApplied.add(e.key() + "=" + e.value());
            } else if (e.section().equals("Service") && NOT_APPLIED_ACCESS.contains(e.key())) {
                noteAt(Impact.BEHAVIOUR, e, "not applied by baton: the program runs without " + e.key() + "="
                        + e.value() + ", so the groups, files or credentials it can reach differ from under systemd");
            } else if (e.section().equals("Unit") || e.section().equals("Install") || e.section().startsWith("X-")) {
                continue; // ordering against units that are not imported, aliases: nothing a program sees
            } else {
                noteAt(Impact.COSMETIC, e, "not imported");
            }
            handled.add(k);
        }
        if (!notApplied.isEmpty()) {
            note(Impact.BEHAVIOUR, "", "not applied by baton (sandboxing and resource control are the unit's, "
                    + "add them to baton.service to apply them to every program): " + String.join(", ", notApplied));
        }
    }

    private Boolean bool(String key) {
        String v = value("Service", key);
        if (v == null) {
            return null;
        }
        Boolean b = UnitValues.bool(v);
        if (b == null) {
            note(Impact.COSMETIC, key, "'" + v + "' is not a boolean: systemd ignores it, and so does the import");
        }
        return b;
    }

    private long span(String section, String key, long dflt) {
        String v = value(section, key);
        if (v == null) {
            return dflt;
        }
        Long ms = UnitValues.spanMillis(v);
        if (ms == null) {
            note(Impact.COSMETIC, key, "'" + v + "' is not a time span: systemd uses " + UnitValues.duration(dflt)
                    + ", and so does the import");
            return dflt;
        }
        return ms < 0 ? UnitValues.MAX_MS : ms;
    }

    private static long orDefault(Long v, long dflt) {
        return v == null ? dflt : v;
    }

    /** Exit codes of a *ExitStatus= line; signal names there are reported, not imported. */
    private List<Integer> codes(UnitFile.Entry e) {
        List<Integer> out = new ArrayList<>();
        for (String w : e.value().split("\\s+")) {
            try {
                int c = Integer.parseInt(w);
                if (c >= 0 && c <= 255) {
                    out.add(c);
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // a signal name, below
            }
            noteAt(Impact.BEHAVIOUR, e, "'" + w + "' not imported: baton's exit code lists hold exit codes 0-255, "
                    + "not signals");
        }
        return out;
    }
}
