package dev.baton.config.migration;

import dev.baton.handover.ProfileReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Programs that run versions of one binary side by side, the way Chainflip's ≤ 1.3 recipe runs
 * {@code chainflip-engine1.0} and {@code chainflip-engine1.1}: in baton they are one engine group,
 * so the superseded version is idled after the upgrade instead of running on next to the new one.
 */
public final class VersionedBinaries {
    /** A file name ending in a dotted version: {@code chainflip-engine1.1}, {@code node-v2.3.0}, {@code engine_1.2}. */
    private static final Pattern VERSIONED = Pattern.compile("(.*?[A-Za-z])[-_]?v?(\\d+(?:\\.\\d+)+)");

    private VersionedBinaries() {
    }

    /** One program of a family. */
    public record Member(String program, String binary, String version) {
    }

    /**
     * Two or more programs whose binaries differ only by version.
     *
     * @param stem    the binary's name without the version ({@code chainflip-engine})
     * @param profile the built-in recognition profile for that binary, or null when baton has none
     */
    public record Family(String stem, String profile, List<Member> members) {
        public String programNames() {
            return String.join(", ", members.stream().map(Member::program).toList());
        }

        public String versions() {
            return String.join(", ", members.stream().map(Member::version).toList());
        }
    }

    /** @param argv0ByProgram each program's argv[0], in import order */
    public static List<Family> find(Map<String, String> argv0ByProgram) {
        Map<String, List<Member>> byStem = new LinkedHashMap<>();
        argv0ByProgram.forEach((program, argv0) -> {
            String binary = argv0.substring(argv0.lastIndexOf('/') + 1);
            Matcher m = VERSIONED.matcher(binary);
            if (m.matches()) {
                byStem.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(new Member(program, binary, m.group(2)));
            }
        });
        List<Family> out = new ArrayList<>();
        byStem.forEach((stem, members) -> {
            if (members.stream().map(Member::version).distinct().count() >= 2) {
                String profile = ProfileReader.builtInNames().stream()
                        .filter(stem::startsWith).findFirst().orElse(null);
                out.add(new Family(stem, profile, List.copyOf(members)));
            }
        });
        return out;
    }
}
