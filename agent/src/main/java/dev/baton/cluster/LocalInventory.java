package dev.baton.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the agent knows about itself, for the fleet view.
 *
 * @param agentVersion  baton's version
 * @param programs      every program, in name order
 * @param groupReleases per engine group, the release last seen (e.g. from the chain)
 * @param groupPublished per engine group with a release source, the newest published version
 */
public record LocalInventory(String agentVersion, List<ProgramInventory> programs, Map<String, String> groupReleases,
                             Map<String, String> groupPublished) {
    public LocalInventory {
        programs = List.copyOf(programs);
        groupReleases = Map.copyOf(groupReleases);
        groupPublished = Map.copyOf(groupPublished);
    }

    public LocalInventory(String agentVersion, List<ProgramInventory> programs, Map<String, String> groupReleases) {
        this(agentVersion, programs, groupReleases, Map.of());
    }
}
