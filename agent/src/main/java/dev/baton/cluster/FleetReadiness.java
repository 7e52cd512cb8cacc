package dev.baton.cluster;

import dev.baton.handover.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per engine group, how many hosts are ready for the group's next version: "38 of 40 hosts ready
 * for 1.2.0". The target is the newest version any host's release source publishes; without a
 * source, the newest version any host has WAITING (the upgrade being staged). A host is ready when
 * one of its engines of the group runs the target or newer and is ACTIVE, SYNCING or WAITING (an
 * installed engine that is FATAL or stopped is not ready). Pure: from the inventories alone.
 */
public final class FleetReadiness {
    private static final Set<String> READY_ROLES = Set.of("ACTIVE", "SYNCING", "WAITING");

    /**
     * @param group    the engine group
     * @param version  the target version, null when no host publishes or stages one
     * @param basis    {@code published} or {@code waiting}: where the target comes from
     * @param hosts    hosts with an engine of the group
     * @param ready    how many of them are ready for the target
     * @param notReady the others, by name
     */
    public record Group(String group, String version, String basis, int hosts, int ready, List<String> notReady) {
    }

    private FleetReadiness() {
    }

    public static List<Group> of(List<HostInventory> fleet) {
        Map<String, Version> published = new TreeMap<>();
        Map<String, Version> waiting = new TreeMap<>();
        Map<String, List<HostInventory>> members = new TreeMap<>();
        for (HostInventory host : fleet) {
            if (host.groupPublished() != null) {
                host.groupPublished().forEach((g, v) -> newest(published, g, Version.tryParse(v)));
            }
            for (ProgramInventory p : programs(host)) {
                if (p.group() == null) {
                    continue;
                }
                List<HostInventory> hosts = members.computeIfAbsent(p.group(), g -> new ArrayList<>());
                if (!hosts.contains(host)) {
                    hosts.add(host);
                }
                if ("WAITING".equals(role(p))) {
                    newest(waiting, p.group(), Version.tryParse(p.version()));
                }
            }
        }
        List<Group> out = new ArrayList<>();
        members.forEach((group, hosts) -> {
            Version target = published.containsKey(group) ? published.get(group) : waiting.get(group);
            String basis = published.containsKey(group) ? "published" : target != null ? "waiting" : null;
            List<String> notReady = new ArrayList<>();
            for (HostInventory h : hosts) {
                if (target == null || !readyFor(h, group, target)) {
                    notReady.add(h.host());
                }
            }
            out.add(new Group(group, target == null ? null : target.toString(), basis, hosts.size(),
                    hosts.size() - notReady.size(), List.copyOf(notReady)));
        });
        return List.copyOf(out);
    }

    private static boolean readyFor(HostInventory host, String group, Version target) {
        for (ProgramInventory p : programs(host)) {
            Version v = Version.tryParse(p.version());
            if (group.equals(p.group()) && v != null && v.compareTo(target) >= 0 && READY_ROLES.contains(role(p))) {
                return true;
            }
        }
        return false;
    }

    private static void newest(Map<String, Version> into, String group, Version v) {
        if (v != null) {
            into.merge(group, v, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
    }

    private static String role(ProgramInventory p) {
        return p.role() == null ? "" : p.role().toUpperCase(Locale.ROOT);
    }

    static List<ProgramInventory> programs(HostInventory host) {
        return host.programs() == null ? List.of() : host.programs();
    }
}
