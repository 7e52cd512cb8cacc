package dev.baton.config.systemd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.agent.state.StateDirectory;
import dev.baton.config.migration.Findings;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportCheck;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.SourceRef;
import dev.baton.config.migration.TomlText;
import dev.baton.config.migration.VersionedBinaries;
import dev.baton.process.os.ResourceLimit;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns systemd service units into baton TOML ({@code baton import-systemd UNIT...}), keeping what
 * each service does: the argv systemd execs (its quoting, C escapes, specifiers and {@code ${VAR}}
 * substitution from {@code Environment=}/{@code EnvironmentFile=}), the clean environment systemd
 * gives a service, its restart rule ({@code Restart=}, {@code RestartSec=}, the start limit,
 * {@code RestartPreventExitStatus=}), its stop ({@code KillSignal=}, {@code TimeoutStopSec=}, the
 * {@code kill $MAINPID} idiom of {@code ExecStop=}), its limits ({@code LimitNOFILE=}), user, group,
 * directory and ordering ({@code After=} between imported units becomes priority). A unit systemd
 * itself refuses is reported as such. The result lists the commands that disable and mask the units,
 * so that systemd and baton never both run a program (two engines with one key are slashed).
 */
public final class SystemdImporter {
    /** Where systemd looks for system units, highest priority first. */
    static final List<String> UNIT_DIRS = List.of("etc/systemd/system", "run/systemd/system",
            "usr/local/lib/systemd/system", "lib/systemd/system", "usr/lib/systemd/system");
    /** Where systemd looks for drop-ins only, above {@link #UNIT_DIRS} ({@code systemctl set-property}'s). */
    static final List<String> DROP_IN_ONLY_DIRS = List.of("etc/systemd/system.control", "run/systemd/system.control");
    /** systemd's fixed search path for a bare executable name (not the unit's PATH). */
    static final List<String> EXEC_SEARCH = List.of("usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin");
    /** The PATH systemd gives a service that sets none. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";
    /** DefaultLimitNOFILE since systemd 240. */
    static final ResourceLimit DEFAULT_NOFILE = new ResourceLimit("nofile", 1024, 524288);
    static final Set<String> START_TARGETS = Set.of("multi-user.target", "default.target", "graphical.target");
    /** Sandboxing and resource-control keys baton does not apply; reported together, once per unit. */
    static final Set<String> NOT_APPLIED = Set.of("Nice", "CPUAffinity", "CPUSchedulingPolicy", "CPUSchedulingPriority",
            "IOSchedulingClass", "IOSchedulingPriority", "CPUQuota", "CPUWeight", "MemoryMax", "MemoryHigh", "MemoryLimit",
            "MemorySwapMax", "TasksMax", "IOWeight", "OOMScoreAdjust", "OOMPolicy", "ProtectSystem", "ProtectHome",
            "PrivateTmp", "PrivateDevices", "PrivateNetwork", "PrivateUsers", "PrivateIPC", "NoNewPrivileges",
            "CapabilityBoundingSet", "AmbientCapabilities", "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths",
            "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "SystemCallFilter",
            "SystemCallArchitectures", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
            "ProtectControlGroups", "ProtectClock", "ProtectHostname", "ProtectProc", "LockPersonality",
            "MemoryDenyWriteExecute", "RemoveIPC", "DevicePolicy", "DeviceAllow", "IPAddressDeny", "IPAddressAllow",
            "RuntimeDirectory", "StateDirectory", "CacheDirectory", "LogsDirectory", "ConfigurationDirectory",
            "RuntimeMaxSec", "WatchdogSec", "LimitNOFILESoft", "Delegate", "Slice", "CPUAccounting", "MemoryAccounting");

    /**
     * Keys that change what the program can reach (its groups, its root directory, its mounts, its
     * credentials, its stdin): not applied by baton, each a behaviour change at its line.
     */
    static final Set<String> NOT_APPLIED_ACCESS = Set.of("SupplementaryGroups", "RootDirectory", "RootImage",
            "BindPaths", "BindReadOnlyPaths", "TemporaryFileSystem", "PrivateMounts", "MountFlags", "LoadCredential",
            "LoadCredentialEncrypted", "SetCredential", "SetCredentialEncrypted", "ImportCredential", "PAMName",
            "StandardInput", "NetworkNamespacePath", "AllowedCPUs");

    private final Path root;
    private final String hostName;

    /** Looks units up under "/" and expands {@code %H} to this host's name. */
    public SystemdImporter(String hostName) {
        this(Path.of("/"), hostName);
    }

    /** @param root where /etc/systemd/system, /etc/passwd and /usr/bin are looked up (tests use a directory) */
    public SystemdImporter(Path root, String hostName) {
        this.root = root;
        this.hostName = hostName;
    }

    /**
     * @param units unit names ({@code chainflip-engine.service}, {@code .service} optional) or unit file paths
     * @throws IOException when a unit cannot be found or read
     */
    public ImportResult importUnits(List<String> units) throws IOException {
        List<Unit> loaded = new ArrayList<>();
        for (String u : units) {
            loaded.add(load(u));
        }
        Findings findings = new Findings();
        ObjectNode programs = TomlText.MAPPER.createObjectNode();
        Map<String, SourceRef> origins = new LinkedHashMap<>();
        Map<String, UnitReader> readers = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        loaded.forEach(l -> names.add(l.name));
        for (Unit l : loaded) {
            files.addAll(l.files);
            UnitFile unit = UnitFile.read(l.files);
            UnitReader r = new UnitReader(l.name, l.files.get(0), unit, findings, root, hostName, names, enabled(l));
            ObjectNode p = r.read();
            if (p != null) {
                String program = r.programName();
                programs.set(program, p);
                readers.put(program, r);
                // a check-config problem of the program is named at its [Service] header, not at "line 0"
                UnitFile.Entry service = unit.sections.stream().filter(e -> e.section().equals("Service")).findFirst()
                        .orElseThrow();
                origins.put(program, new SourceRef(service.file(), service.line(), "Service"));
            }
        }
        order(readers, programs);
        engineGroups(readers, programs, findings);
        ObjectNode rootNode = TomlText.MAPPER.createObjectNode();
        if (!programs.isEmpty()) {
            rootNode.set("programs", programs);
        }
        String toml = TomlText.render(rootNode);
        Path first = loaded.isEmpty() ? Path.of("") : loaded.get(0).files.get(0);
        if (programs.isEmpty()) {
            findings.add(Impact.FAILED, first, 0, "", "", "no program to import: none of the units can be run by baton");
        } else {
            findings.addAll(ImportCheck.check(toml, origins, new SourceRef(first, 0, "")));
        }
        return new ImportResult(toml, rootNode, findings.list(), files, followUp(loaded));
    }

    /** A unit name and its files: the unit file, then its drop-ins. */
    private record Unit(String name, List<Path> files) {
    }

    private Unit load(String arg) throws IOException {
        Path given = Path.of(arg);
        Path file;
        String name;
        if (arg.contains("/") || Files.isRegularFile(given)) {
            file = given.toAbsolutePath().normalize();
            name = file.getFileName().toString();
            if (!Files.isRegularFile(file)) {
                throw new IOException(arg + ": no such unit file");
            }
        } else {
            name = arg.endsWith(".service") ? arg : arg + ".service";
            file = find(name);
            String template = template(name);
            if (file == null && template != null) {
                file = find(template); // an instance has no file of its own: systemd loads its template
            }
            if (file == null) {
                throw new IOException(name + ": no unit file" + (template == null ? "" : " (nor " + template + ")")
                        + " in " + String.join(", ", UNIT_DIRS.stream().map(d -> "/" + d).toList()));
            }
        }
        List<Path> files = new ArrayList<>();
        files.add(file);
        files.addAll(dropIns(root, file, name));
        return new Unit(name, files);
    }

    /**
     * Whether systemctl enable linked the unit into a target, when its file is installed in a unit
     * directory of this host; null for a unit file given from elsewhere (nothing to tell).
     */
    private Boolean enabled(Unit u) {
        Path dir = u.files.get(0).getParent();
        boolean installed = UNIT_DIRS.stream().anyMatch(d -> root.resolve(d).toAbsolutePath().normalize().equals(dir));
        return installed ? InstalledUnits.enabled(root, u.name) : null;
    }

    private Path find(String name) {
        for (String dir : UNIT_DIRS) {
            Path p = root.resolve(dir).resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** The template of an instance ("cosmovisor@gaia.service" → "cosmovisor@.service"), or null. */
    static String template(String name) {
        int at = name.indexOf('@');
        int dot = name.lastIndexOf('.');
        return at > 0 && dot > at + 1 ? name.substring(0, at + 1) + name.substring(dot) : null;
    }

    /**
     * The drop-ins systemd applies, as systemd.unit(5) and its dropin.c find them: in every directory
     * of the search path, {@code system.control/} first (where {@code systemctl set-property} writes),
     * NAME.d/, for an instance its template's TEMPLATE.d/, then each dash prefix's ("cfe-engine.service"
     * also reads "cfe-.service.d/"), and after all of them the type's own "service.d/"; for a unit file
     * given by its path, the same names beside it last. Sorted by file name; of one name, the first
     * directory's file wins (a more specific or higher directory masks the rest).
     */
    static List<Path> dropIns(Path root, Path file, String name) throws IOException {
        List<String> names = new ArrayList<>();
        for (String n : template(name) == null ? List.of(name) : List.of(name, template(name))) {
            for (String prefixed = n; prefixed != null; prefixed = dashPrefix(prefixed)) {
                if (!names.contains(prefixed)) {
                    names.add(prefixed);
                }
            }
        }
        List<Path> dirs = new ArrayList<>(); // highest priority first
        List<Path> searched = new ArrayList<>();
        for (String d : DROP_IN_ONLY_DIRS) {
            searched.add(root.resolve(d));
        }
        for (String d : UNIT_DIRS) {
            searched.add(root.resolve(d));
        }
        searched.add(file.getParent());
        for (Path dir : searched) {
            for (String n : names) {
                dirs.add(dir.resolve(n + ".d"));
            }
        }
        for (Path dir : searched) {
            dirs.add(dir.resolve("service.d"));
        }
        Map<String, Path> byName = new TreeMap<>();
        for (Path dir : dirs.stream().distinct().toList()) {
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
                    for (Path p : ds) {
                        byName.putIfAbsent(p.getFileName().toString(), p);
                    }
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    /** "foo-bar-baz.service" → "foo-bar-.service" → "foo-.service" → null; "foo-bar@x.service" → "foo-.service". */
    static String dashPrefix(String name) {
        int dot = name.lastIndexOf('.');
        int at = name.indexOf('@');
        if (dot <= 0) {
            return null;
        }
        String prefix = name.substring(0, at >= 0 ? at : dot);
        if (prefix.endsWith("-")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        int dash = prefix.lastIndexOf('-');
        return dash <= 0 ? null : name.substring(0, dash + 1) + name.substring(dot);
    }

    /**
     * After=/Before= between the imported units become priorities: a unit ordered after another
     * starts at a higher priority (and stops before it), as systemd orders start and stop.
     */
    private static void order(Map<String, UnitReader> readers, ObjectNode programs) {
        Map<String, String> programOfUnit = new HashMap<>();
        readers.forEach((program, r) -> programOfUnit.put(r.unitName(), program));
        Map<String, Set<String>> after = new HashMap<>();
        readers.forEach((program, r) -> after.put(program, new java.util.HashSet<>()));
        readers.forEach((program, r) -> {
            for (String u : r.after()) {
                if (programOfUnit.containsKey(u)) {
                    after.get(program).add(programOfUnit.get(u));
                }
            }
            for (String u : r.before()) {
                if (programOfUnit.containsKey(u)) {
                    after.get(programOfUnit.get(u)).add(program);
                }
            }
        });
        Map<String, Integer> level = new HashMap<>();
        for (String p : readers.keySet()) {
            levelOf(p, after, level, new java.util.HashSet<>());
        }
        level.forEach((p, l) -> ((ObjectNode) programs.get(p)).put("priority", Math.min(999, 10 * l)));
    }

    private static int levelOf(String p, Map<String, Set<String>> after, Map<String, Integer> level, Set<String> visiting) {
        if (level.containsKey(p)) {
            return level.get(p);
        }
        if (!visiting.add(p)) {
            return 0; // an ordering cycle: systemd breaks it too
        }
        int l = 0;
        for (String dep : after.get(p)) {
            l = Math.max(l, levelOf(dep, after, level, visiting) + 1);
        }
        level.put(p, l);
        return l;
    }

    private static void engineGroups(Map<String, UnitReader> readers, ObjectNode programs, Findings findings) {
        Map<String, String> argv0 = new LinkedHashMap<>();
        readers.forEach((program, r) -> argv0.put(program, programs.get(program).get("command").get(0).asText()));
        for (VersionedBinaries.Family f : VersionedBinaries.find(argv0)) {
            UnitReader first = readers.get(f.members().get(0).program());
            if (f.profile() == null) {
                first.note(Impact.COSMETIC, "ExecStart", f.programNames() + " run versions " + f.versions() + " of "
                        + f.stem() + ": baton can hand over between them as an engine group once it has a recognition "
                        + "profile for it; imported as separate programs");
                continue;
            }
            f.members().forEach(m -> ((ObjectNode) programs.get(m.program())).put("engine_group", f.profile()));
            first.note(Impact.BEHAVIOUR, "ExecStart", f.programNames() + " run versions " + f.versions() + " of "
                    + f.stem() + ": imported as engine group '" + f.profile() + "' with baton's built-in profile: "
                    + "baton idles the superseded version after an upgrade instead of running both");
        }
    }

    /** Stop and disable every unit, then mask it so that no package upgrade or reboot starts it again. */
    private List<String> followUp(List<Unit> units) {
        List<String> out = new ArrayList<>();
        List<String> names = units.stream().map(Unit::name).toList();
        out.add("systemctl disable --now " + String.join(" ", names));
        for (Unit u : units) {
            Path f = u.files.get(0);
            if (f.startsWith(root.resolve("etc/systemd/system")) && f.getFileName().toString().equals(u.name)) {
                // mask puts a link to /dev/null at exactly this path: the file has to move first
                out.add("mv /etc/systemd/system/" + u.name + " /etc/systemd/system/" + u.name + ".imported-by-baton");
            }
        }
        out.add("systemctl mask " + String.join(" ", names));
        out.add("systemctl daemon-reload");
        return out;
    }

}
