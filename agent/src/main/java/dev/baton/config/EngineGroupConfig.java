package dev.baton.config;

import dev.baton.handover.Profile;
import java.util.List;

/**
 * An engine group as configured: the recognition profile its engines' lines are read with, and
 * its member programs.
 *
 * @param name     the group's name ({@code engine_group} of its programs)
 * @param profile  built-in ({@code chainflip}) or from a {@code [profiles.NAME]} section
 * @param programs the member programs, in name order
 */
public record EngineGroupConfig(String name, Profile profile, List<String> programs) {
}
