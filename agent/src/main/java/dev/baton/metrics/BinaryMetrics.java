package dev.baton.metrics;

import dev.baton.control.AgentStatus;
import dev.baton.metrics.Family.Info;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code baton_program_binary_info}: the SHA-256 of what each program's process runs, with the
 * engine version when it has one, so that Prometheus can compare builds across hosts
 * ({@code BatonBuildDrift}: one version, several digests).
 */
final class BinaryMetrics {
    private BinaryMetrics() {
    }

    static List<Family> collect(AgentStatus status, LabelCache labels) {
        Info binary = new Info("baton_program_binary",
                "The binary each running program executes (SHA-256 of /proc/PID/exe) and its engine version, if any");
        Map<String, String> versions = new HashMap<>();
        status.groups().forEach(g -> g.engines().forEach(e -> versions.put(e.program(), e.version())));
        status.binaries().forEach((program, b) -> binary.add(labels.of("program", program,
                "version", versions.getOrDefault(program, ""), "sha256", b.sha256())));
        return List.of(binary);
    }
}
