package dev.baton.config;

import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code [cluster]} section and the exclusive programs ({@code [programs.NAME] exclusive = {...}}),
 * validated by the cluster's own rules ({@link dev.baton.cluster.Cluster#validate}). Only plain records
 * of {@code dev.baton.cluster}: reading them loads no etcd class.
 *
 * @param settings  the cluster settings
 * @param exclusive one entry per exclusive program, in program name order
 */
public record ClusterConfig(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive) {
    public ClusterConfig {
        exclusive = List.copyOf(exclusive);
    }

    /**
     * Every program the cluster starts and stops (each exclusive program and each standby program),
     * with the lock it belongs to. The supervisor starts none of them by itself.
     */
    public Map<String, String> managedPrograms() {
        Map<String, String> out = new LinkedHashMap<>();
        for (ExclusiveProgramSettings p : exclusive) {
            if (p.identity() != null) {
                continue; // warm standby: runs on every host, the cluster moves its identity (identityPrograms)
            }
            out.put(p.program(), p.lock());
            if (p.standbyProgram() != null) {
                out.putIfAbsent(p.standbyProgram(), p.lock());
            }
        }
        return out;
    }

    /** Exclusive programs in identity mode (warm standby), with their lock: started by the supervisor as usual. */
    public Map<String, String> identityPrograms() {
        Map<String, String> out = new LinkedHashMap<>();
        exclusive.stream().filter(p -> p.identity() != null).forEach(p -> out.put(p.program(), p.lock()));
        return out;
    }
}
