package dev.baton.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Builds a {@link BatonConfig} from the parsed main file and drop-ins, reporting what is wrong across them. */
final class ConfigAssembler {
    private ConfigAssembler() {
    }

    static BatonConfig assemble(TomlDocument main, List<TomlDocument> dropIns, Problems problems) {
        List<TomlDocument> all = new ArrayList<>();
        all.add(main);
        all.addAll(dropIns);
        for (TomlDocument document : all) {
            if (document.valid()) {
                checkSections(document, main.file(), document == main);
            }
        }
        ConfigNode root = main.root();
        AgentSettings agent = root == null ? AgentSettings.DEFAULT : AgentSection.read(root.table(Section.AGENT.key));
        ApiSettings api = root == null ? ApiSettings.DEFAULT : ApiSection.read(root.table(Section.API.key));
        ConfigNode defaults = root == null ? null : root.table(Section.DEFAULTS.key);
        if (defaults != null) {
            ProgramSection.checkDefaults(defaults);
        }
        Map<String, ProgramConfig> programs = new TreeMap<>();
        Map<String, ConfigNode> programNodes = programNodes(all);
        programNodes.forEach((name, node) ->
                programs.put(name, ProgramSection.read(name, defaults == null ? node : node.withFallback(defaults))));
        checkSharedLogFiles(programs, problems);
        Map<String, EngineGroupConfig> groups = HandoverSection.read(all, programs, problems);
        ClusterConfig cluster = ClusterSection.read(root, programNodes, programs, problems);
        List<Path> sources = all.stream().map(TomlDocument::file).toList();
        return new BatonConfig(agent, api, Collections.unmodifiableMap(programs), Collections.unmodifiableMap(groups),
                sources, cluster);
    }

    private static void checkSections(TomlDocument document, Path mainFile, boolean isMain) {
        ConfigNode root = document.root();
        for (String key : root.keys()) {
            Optional<Section> section = Section.byKey(key);
            if (section.isEmpty()) {
                root.problem(key, "unknown section [" + key + "]" + sectionHint(key));
            } else if (section.get().scope == Section.Scope.NOT_YET) {
                root.problem(key, "section [" + key + "] is not supported yet by this version of baton");
            } else if (section.get().scope == Section.Scope.MAIN_FILE && !isMain) {
                root.problem(key, "[" + key + "] is only allowed in the main config file: move it to " + mainFile
                        + " (drop-ins may define [programs.NAME], [groups.NAME] and [profiles.NAME])");
            }
        }
    }

    /** A close section name, or the section a stray key belongs in ({@code port} at the top: [api]). */
    private static String sectionHint(String key) {
        Optional<String> near = NearestKey.among(key, Section.supportedKeys());
        if (near.isPresent()) {
            return "; did you mean [" + near.get() + "]?";
        }
        Map<String, Set<String>> keysBySection = Map.of(
                "[agent]", AgentSection.KEYS, "[api]", ApiSection.KEYS, "[programs.NAME]", ProgramSection.KEYS,
                "[cluster]", ClusterSection.KEYS);
        return keysBySection.entrySet().stream()
                .filter(e -> e.getValue().contains(key))
                .map(e -> "; '" + key + "' belongs in " + e.getKey())
                .findFirst()
                .orElse("; valid sections: " + String.join(", ", new TreeSet<>(Section.supportedKeys())));
    }

    /** Every program table across the files, by name; a name defined in two files is reported at the second. */
    private static Map<String, ConfigNode> programNodes(List<TomlDocument> documents) {
        Map<String, ConfigNode> nodes = new TreeMap<>();
        Map<String, String> byFolded = new HashMap<>();
        for (TomlDocument document : documents) {
            if (!document.valid()) {
                continue;
            }
            document.root().table(Section.PROGRAMS.key).namedTables().forEach((name, node) -> {
                ConfigNode first = nodes.putIfAbsent(name, node);
                String sameButCase = byFolded.putIfAbsent(Names.folded(name), name);
                if (first != null) {
                    node.problem("program '" + name + "' is defined twice: first at " + first.origin()
                            + ", again here; remove one or give it another name");
                } else if (sameButCase != null) {
                    node.problem("program '" + name + "' differs from program '" + sameButCase + "' (at "
                            + nodes.get(sameButCase).origin() + ") only by case, which operators and commands would "
                            + "confuse: give it another name");
                }
            });
        }
        return nodes;
    }

    /** Two programs rotating the same log file would corrupt each other's output. */
    private static void checkSharedLogFiles(Map<String, ProgramConfig> programs, Problems problems) {
        Map<Path, String> owners = new HashMap<>();
        programs.values().forEach(program -> {
            Path file = program.log().file();
            String owner = file == null ? null : owners.putIfAbsent(file, program.name());
            if (owner != null) {
                problems.add(program.origin(), TomlSyntax.path(List.of(Section.PROGRAMS.key, program.name(), "log", "file")),
                        "the log file " + file + " is also used by program '" + owner + "': give each program its own file");
            }
        });
    }
}
