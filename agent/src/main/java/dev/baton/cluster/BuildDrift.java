package dev.baton.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Programs that report one version but run different binaries on different hosts: "on 1.1.0"
 * means two builds. Compared by program name and version, from the SHA-256 each host reports of
 * what its process runs; hosts without a digest (no process, an older agent) are left out.
 */
public final class BuildDrift {
    /**
     * @param program        the program's name
     * @param version        the version the hosts report
     * @param hostsByDigest  SHA-256 to the hosts that run it, two or more digests
     */
    public record Drift(String program, String version, Map<String, List<String>> hostsByDigest) {
    }

    private BuildDrift() {
    }

    public static List<Drift> of(List<HostInventory> fleet) {
        Map<List<String>, Map<String, List<String>>> seen = new TreeMap<>((a, b) -> {
            int c = a.get(0).compareTo(b.get(0));
            return c != 0 ? c : a.get(1).compareTo(b.get(1));
        });
        for (HostInventory host : fleet) {
            for (ProgramInventory p : FleetReadiness.programs(host)) {
                if (p.sha256() != null && p.version() != null) {
                    seen.computeIfAbsent(List.of(p.name(), p.version()), k -> new TreeMap<>())
                            .computeIfAbsent(p.sha256(), d -> new ArrayList<>()).add(host.host());
                }
            }
        }
        List<Drift> out = new ArrayList<>();
        seen.forEach((key, digests) -> {
            if (digests.size() > 1) {
                out.add(new Drift(key.get(0), key.get(1), digests));
            }
        });
        return List.copyOf(out);
    }
}
