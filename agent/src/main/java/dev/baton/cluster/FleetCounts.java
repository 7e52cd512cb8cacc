package dev.baton.cluster;

import java.util.List;
import java.util.Map;

/**
 * Fleet counts for metrics, from this host's last read of the fleet.
 *
 * @param hosts               hosts with a live inventory entry
 * @param hostsByAgentVersion hosts per baton version
 * @param programsByState     programs per supervisor state across the fleet
 * @param locksHeld           locks whose holder role is reported by some host
 * @param readiness           per engine group, how many hosts are ready for its next version
 */
public record FleetCounts(int hosts, Map<String, Integer> hostsByAgentVersion, Map<String, Integer> programsByState,
                          int locksHeld, List<FleetReadiness.Group> readiness) {
    public static final FleetCounts EMPTY = new FleetCounts(0, Map.of(), Map.of(), 0, List.of());
}
