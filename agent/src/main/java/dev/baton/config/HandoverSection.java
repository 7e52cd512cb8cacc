package dev.baton.config;

import dev.baton.handover.HandoverModel;
import dev.baton.handover.Profile;
import dev.baton.handover.ProfileReader;
import dev.baton.handover.ProfileProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads {@code [profiles.NAME]} (recognition rules for engines baton has no built-in profile
 * for) and {@code [groups.NAME]} (which profile a group uses; by default the profile named like
 * the group; where its releases are published: {@link ReleasesSection}), and resolves a profile for
 * every engine group the programs use.
 */
final class HandoverSection {
    static final Set<String> GROUP_KEYS = Set.of("profile", "releases", "pre_upgrade", "pre_upgrade_retries",
            "pre_upgrade_timeout", "backup", "backup_timeout");
    private static final Set<String> STEP_KEYS = Set.of("pre_upgrade", "pre_upgrade_retries", "pre_upgrade_timeout", "backup",
            "backup_timeout");

    private HandoverSection() {
    }

    static Map<String, EngineGroupConfig> read(List<TomlDocument> documents, Map<String, ProgramConfig> programs,
                                               Problems problems) {
        Map<String, Profile> profiles = readProfiles(documents);
        Map<String, ConfigNode> groupNodes = tablesAcross(documents, Section.GROUPS.key, "engine group");
        Map<String, List<String>> members = new TreeMap<>();
        programs.values().stream().filter(ProgramConfig::isEngine)
                .forEach(p -> members.computeIfAbsent(p.engine().group(), g -> new ArrayList<>()).add(p.name()));

        Map<String, EngineGroupConfig> groups = new TreeMap<>();
        groupNodes.forEach((name, node) -> {
            node.rejectUnknownKeys(GROUP_KEYS);
            if (!members.containsKey(name)) {
                node.problem("engine group '" + name + "' has no program: set engine_group = \"" + name
                        + "\" on its engines, or remove [groups." + name + "]");
            }
        });
        members.forEach((group, names) -> {
            ConfigNode node = groupNodes.get(group);
            String profileName = node == null ? group : node.string("profile", group);
            Optional<Profile> profile = Optional.ofNullable(profiles.get(profileName)).or(() -> ProfileReader.builtIn(profileName));
            if (profile.isPresent()) {
                boolean sequential = profile.get().handover() == HandoverModel.SEQUENTIAL;
                groups.put(group, new EngineGroupConfig(group, profile.get(), List.copyOf(names),
                        node == null ? null : ReleasesSection.read(node), node == null ? null : upgradeSteps(node, sequential)));
                if (profile.get().handover() == HandoverModel.SEQUENTIAL) {
                    requireVersions(group, profile.get().name(), names, programs, problems);
                }
            } else {
                String known = "built-in: " + String.join(", ", ProfileReader.builtInNames())
                        + (profiles.isEmpty() ? "" : "; defined: " + String.join(", ", profiles.keySet()));
                String fix = node == null
                        ? "add [groups." + group + "] profile = \"chainflip\" (or define [profiles." + group + "])"
                        : "use a known profile or define [profiles." + profileName + "]";
                if (node != null) {
                    node.problem("profile", "no recognition profile '" + profileName + "' (" + known + "): " + fix);
                } else {
                    ProgramConfig first = programs.get(names.get(0));
                    problems.add(first.origin(), TomlSyntax.path(List.of(Section.PROGRAMS.key, first.name(), "engine_group")),
                            "engine group '" + group + "' has no recognition profile (" + known + "): " + fix);
                }
            }
        });
        return groups;
    }

    /** {@code pre_upgrade} and {@code backup}: only a sequential group has a moment between two versions to run them. */
    private static UpgradeSteps upgradeSteps(ConfigNode node, boolean sequential) {
        if (!sequential) {
            STEP_KEYS.stream().filter(node::has).sorted().forEach(k -> node.problem(k, "only a sequential group (profile with"
                    + " handover = \"sequential\", such as cosmos) runs commands between two versions: remove " + k));
            return null;
        }
        List<String> pre = command(node, "pre_upgrade");
        List<String> backup = command(node, "backup");
        if (pre.isEmpty()) {
            for (String k : List.of("pre_upgrade_retries", "pre_upgrade_timeout")) {
                if (node.has(k)) {
                    node.problem(k, k + " without pre_upgrade: add pre_upgrade = [\"/path/to/command\", ...] or remove " + k);
                }
            }
        }
        if (backup.isEmpty() && node.has("backup_timeout")) {
            node.problem("backup_timeout", "backup_timeout without backup: add backup = [\"/path/to/command\", ...] or remove it");
        }
        int retries = node.integer("pre_upgrade_retries", 0, 0, 100);
        Duration preTimeout = node.duration("pre_upgrade_timeout", UpgradeSteps.DEFAULT_PRE_UPGRADE_TIMEOUT, Duration.ofMillis(1),
                Limits.MAX_DURATION);
        Duration backupTimeout = node.duration("backup_timeout", UpgradeSteps.DEFAULT_BACKUP_TIMEOUT, Duration.ofMillis(1),
                Limits.MAX_DURATION);
        return pre.isEmpty() && backup.isEmpty() ? null : new UpgradeSteps(pre, retries, preTimeout, backup, backupTimeout);
    }

    /** An argv with an absolute executable (the agent's PATH is not the operator's), or empty when absent or reported. */
    private static List<String> command(ConfigNode node, String key) {
        if (!node.has(key)) {
            return List.of();
        }
        List<String> argv = node.stringList(key, null);
        if (argv == null) {
            return List.of();
        }
        if (argv.isEmpty() || !argv.get(0).startsWith("/")) {
            node.problem(key, "expected a command with an absolute path, such as " + key + " = [\"/usr/local/bin/" + key.replace('_', '-')
                    + "\", \"--home\", \"/var/lib/gaia\"], got " + (argv.isEmpty() ? "an empty array" : "\"" + argv.get(0) + "\""));
            return List.of();
        }
        return argv;
    }

    /** One version runs at a time, in version order: a binary that has not run yet cannot say its version. */
    private static void requireVersions(String group, String profile, List<String> names, Map<String, ProgramConfig> programs,
                                        Problems problems) {
        for (String n : names) {
            ProgramConfig p = programs.get(n);
            if (p.engine().version() == null) {
                problems.add(p.origin(), TomlSyntax.path(List.of(Section.PROGRAMS.key, n, "engine_group")),
                        "engine group '" + group + "' hands over sequentially (profile '" + profile + "'): its versions start in"
                                + " version order, so each program must declare its version: add version = \"X.Y.Z\" to [programs."
                                + n + "] (the version of the upgrade it carries)");
            }
        }
    }

    private static Map<String, Profile> readProfiles(List<TomlDocument> documents) {
        Map<String, Profile> profiles = new LinkedHashMap<>();
        tablesAcross(documents, Section.PROFILES.key, "profile").forEach((name, node) -> {
            ProfileReader.Result result = ProfileReader.read(name, node.asJson());
            for (ProfileProblem p : result.problems()) {
                node.problems().add(node.originOfPath(p.keyPath()), p.keyPath(), p.message());
            }
            if (result.ok()) {
                profiles.put(name, result.profile());
            }
        });
        return profiles;
    }

    /** Sub-tables of a section across files; a name defined twice is reported at the second. */
    private static Map<String, ConfigNode> tablesAcross(List<TomlDocument> documents, String section, String what) {
        Map<String, ConfigNode> nodes = new TreeMap<>();
        for (TomlDocument document : documents) {
            if (document.valid()) {
                document.root().table(section).namedTables().forEach((name, node) -> {
                    ConfigNode first = nodes.putIfAbsent(name, node);
                    if (first != null) {
                        node.problem(what + " '" + name + "' is defined twice: first at " + first.origin()
                                + ", again here; keep one");
                    }
                });
            }
        }
        return nodes;
    }
}
