package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.config.Durations;
import dev.baton.config.EngineGroupConfig;
import dev.baton.config.ProgramConfig;
import dev.baton.config.UpgradeSteps;
import dev.baton.handover.HandoverModel;
import dev.baton.handover.Profile;
import dev.baton.handover.ProfileReader;
import dev.baton.handover.Version;
import dev.baton.releases.ReleaseSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What {@code check-config} says about the engine groups after "is valid": for each group its
 * profile (built in or from {@code [profiles.NAME]}, how versions take over), its engines in the
 * order their versions come, where its releases are followed, and what runs between two versions.
 * So an operator sees what the agent will do with the engines, not only that the file parses.
 */
final class GroupSummary {
    private GroupSummary() {
    }

    static List<String> lines(BatonConfig config) {
        List<String> out = new ArrayList<>();
        for (EngineGroupConfig g : config.groups().values()) {
            out.add("engine group " + g.name() + ": profile " + profile(g.profile()));
            out.add("  engines in version order" + (g.profile().handover() == HandoverModel.SEQUENTIAL
                    ? " (one runs at a time, the next after the upgrade): " : ": ") + engines(config, g));
            ReleaseSource r = g.releases();
            out.add("  releases: " + (r == null ? "not followed (no [groups." + g.name() + ".releases])"
                    : r.describe() + ", polled every " + duration(r.interval()) + (r.preReleases() ? ", pre-releases count" : "")));
            UpgradeSteps steps = g.upgradeSteps();
            if (steps != null) {
                List<String> parts = new ArrayList<>();
                if (!steps.preUpgrade().isEmpty()) {
                    parts.add("pre_upgrade " + words(steps.preUpgrade()) + " (timeout " + duration(steps.preUpgradeTimeout())
                            + ", " + steps.retries() + " retries)");
                }
                if (!steps.backup().isEmpty()) {
                    parts.add("backup " + words(steps.backup()) + " (timeout " + duration(steps.backupTimeout()) + ")");
                }
                out.add("  between two versions: " + String.join(", then ", parts));
            }
        }
        return out;
    }

    private static String profile(Profile p) {
        return p.name() + " (" + (ProfileReader.isBuiltIn(p) ? "built in" : "[profiles." + p.name() + "]") + ": "
                + p.handover().configName() + ", a version runs under a release of the same "
                + switch (p.compatibility()) {
                    case MAJOR_MINOR -> "major and minor";
                    case MAJOR -> "major";
                    case EXACT -> "version";
                } + ", " + p.rules().size() + " recognition rule(s))";
    }

    /** Declared versions in ascending order, then the engines that say their version once running, by name. */
    private static String engines(BatonConfig config, EngineGroupConfig g) {
        Comparator<ProgramConfig> order = Comparator.comparing((ProgramConfig p) -> version(p) == null)
                .thenComparing(GroupSummary::version, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(ProgramConfig::name);
        return String.join(", ", g.programs().stream().map(config.programs()::get).sorted(order)
                .map(p -> p.name() + (p.engine().version() == null ? " (version learned from its output)"
                        : " " + p.engine().version())).toList());
    }

    private static Version version(ProgramConfig p) {
        return p.engine().version() == null ? null : Version.tryParse(p.engine().version());
    }

    private static String words(List<String> argv) {
        return String.join(" ", argv.stream().map(w -> w.isEmpty() || w.matches(".*[\\s'\"\\\\$].*")
                ? "'" + w.replace("'", "'\\''") + "'" : w).toList());
    }

    private static String duration(Duration d) {
        return Durations.format(d);
    }

    static String groupCount(BatonConfig config) {
        int n = config.groups().size();
        return n == 0 ? "" : String.format(Locale.ROOT, ", %d engine group(s)", n);
    }
}
