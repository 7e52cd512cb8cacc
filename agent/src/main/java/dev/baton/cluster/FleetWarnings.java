package dev.baton.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Dangerous states of the exclusive locks, in words, from the inventories alone (what {@code baton fleet}
 * prints below its lock table, and {@code /v1/fleet} carries as {@code warnings}):
 *
 * <ul>
 *   <li>{@code IDENTITY CONFLICT}: the identity may be live on two hosts at once (neither PASSIVE, VERIFYING
 *       nor FENCED, the states in which the acquire hook has not run or was undone);</li>
 *   <li>{@code IDENTITY NOT LIVE}: the holder's identity is not LIVE (a hook runs, or failed: the validator may
 *       not be voting);</li>
 *   <li>{@code IDENTITY FAILED} / {@code IDENTITY FENCED}: a host's hooks failed and its identity stands there;</li>
 *   <li>{@code FAILSAFE}: a holder runs on its members' promises (etcd unreachable).</li>
 * </ul>
 *
 * Each host publishes on its own schedule, so a line seen during a switchover may be a moment old: read again.
 */
public final class FleetWarnings {
    /** States in which no identity is live on the host: acquire never ran, or release ran, or the program was stopped. */
    private static final Set<String> NOT_LIVE = Set.of(IdentityState.PASSIVE.name(), IdentityState.VERIFYING.name(),
            IdentityState.FENCED.name());

    private FleetWarnings() {
    }

    public static List<String> of(List<HostInventory> fleet) {
        List<String> out = new ArrayList<>();
        List<String> failsafe = new ArrayList<>();
        Map<String, List<String>> mayBeLive = new TreeMap<>();
        for (HostInventory host : fleet) {
            for (LockInventory l : host.locks() == null ? List.<LockInventory>of() : host.locks()) {
                if (l.failsafe() != null && l.failsafe().onPromisesSince() != null) {
                    failsafe.add("FAILSAFE: lock " + l.lock() + " holder " + host.host() + " runs on its members' promises"
                            + " since " + l.failsafe().onPromisesSince() + " (etcd unreachable)");
                }
                LockInventory.Identity identity = l.identity();
                if (identity == null) {
                    continue;
                }
                String state = String.valueOf(identity.state());
                if (!NOT_LIVE.contains(state)) {
                    mayBeLive.computeIfAbsent(l.lock(), k -> new ArrayList<>()).add(host.host() + " (" + state + ")");
                }
                if (l.role() == LockRole.HOLDER && !IdentityState.LIVE.name().equals(state)) {
                    out.add("IDENTITY NOT LIVE: lock " + l.lock() + " is held by " + host.host() + " but its identity there is "
                            + state + failure(identity));
                } else if (IdentityState.FAILED.name().equals(state) || IdentityState.FENCED.name().equals(state)) {
                    out.add("IDENTITY " + state + ": lock " + l.lock() + " on " + host.host() + failure(identity));
                }
            }
        }
        List<String> conflicts = new ArrayList<>(); // the worst first
        mayBeLive.forEach((lock, hosts) -> {
            if (hosts.size() > 1) {
                conflicts.add("IDENTITY CONFLICT: lock " + lock + " may be live on " + String.join(" and ", hosts));
            }
        });
        conflicts.addAll(out);
        conflicts.addAll(failsafe);
        return List.copyOf(conflicts);
    }

    private static String failure(LockInventory.Identity identity) {
        return identity.lastFailure() == null ? "" : " (" + identity.hookFailures() + " hook failure"
                + (identity.hookFailures() == 1 ? "" : "s") + ", last: " + identity.lastFailure() + ")";
    }
}
