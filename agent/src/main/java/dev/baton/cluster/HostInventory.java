package dev.baton.cluster;

import java.util.List;
import java.util.Map;

/**
 * One host's entry in the fleet, stored as JSON under {@code <prefix>hosts/<host>} and bound to the
 * host's lease, so it vanishes when the host stops renewing.
 *
 * @param host          host name
 * @param agentVersion  baton's version
 * @param programs      programs with versions, states and roles
 * @param groupReleases per engine group, the release seen
 * @param locks         this host's part in each exclusive lock
 * @param updatedAt     when this content last changed (ISO-8601, the host's wall clock; informative only)
 * @param groupPublished per engine group with a release source, the newest published version (null from older agents)
 * @param peerAddress   "host:port" of the host's failsafe peer channel, null without failsafe
 */
public record HostInventory(String host, String agentVersion, List<ProgramInventory> programs,
                            Map<String, String> groupReleases, List<LockInventory> locks, String updatedAt,
                            Map<String, String> groupPublished, String peerAddress) {
    public HostInventory(String host, String agentVersion, List<ProgramInventory> programs,
                         Map<String, String> groupReleases, List<LockInventory> locks, String updatedAt,
                         Map<String, String> groupPublished) {
        this(host, agentVersion, programs, groupReleases, locks, updatedAt, groupPublished, null);
    }

    public HostInventory(String host, String agentVersion, List<ProgramInventory> programs,
                         Map<String, String> groupReleases, List<LockInventory> locks, String updatedAt) {
        this(host, agentVersion, programs, groupReleases, locks, updatedAt, null);
    }
}
