package dev.baton.config;

import dev.baton.handover.Profile;
import dev.baton.releases.ReleaseSource;
import java.util.List;

/**
 * An engine group as configured: the recognition profile its engines' lines are read with, and
 * its member programs.
 *
 * @param name     the group's name ({@code engine_group} of its programs)
 * @param profile  built-in ({@code chainflip}) or from a {@code [profiles.NAME]} section
 * @param programs the member programs, in name order
 * @param releases where the group's releases are published ({@code [groups.NAME.releases]}), or null
 * @param upgradeSteps what a sequential group runs between two versions ({@code pre_upgrade}, {@code backup}), or null
 */
public record EngineGroupConfig(String name, Profile profile, List<String> programs, ReleaseSource releases,
                                UpgradeSteps upgradeSteps) {
}
