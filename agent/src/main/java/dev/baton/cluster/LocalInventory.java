package dev.baton.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the agent knows about itself, for the fleet view.
 *
 * @param agentVersion  baton's version
 * @param programs      every program, in name order
 * @param groupReleases per engine group, the release last seen (e.g. from the chain)
 */
public record LocalInventory(String agentVersion, List<ProgramInventory> programs, Map<String, String> groupReleases) {
    public LocalInventory {
        programs = List.copyOf(programs);
        groupReleases = Map.copyOf(groupReleases);
    }
}
