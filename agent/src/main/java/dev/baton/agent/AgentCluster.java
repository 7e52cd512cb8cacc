package dev.baton.agent;

import dev.baton.cli.Main;
import dev.baton.cluster.Cluster;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.ProgramInventory;
import dev.baton.config.ClusterConfig;
import dev.baton.control.AgentStatus;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.RunningBinaries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Starts the cluster for the agent: what it publishes about this host (from the supervisor's and the
 * handover's published snapshots, so it never blocks the cluster thread) and the engine roles its
 * readiness checks may ask for. Only the {@link Cluster} interface is used: jetcd is loaded by
 * {@link Cluster#start} and only then.
 */
final class AgentCluster {
    private AgentCluster() {
    }

    static Cluster start(ClusterConfig config, Path stateDir, ClusterPrograms programs, Supplier<AgentStatus> status) {
        // gRPC logs through java.util.logging: into the agent's log, where io.grpc is kept at WARN.
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
        InventorySource inventory = () -> inventory(status.get());
        EngineRoles roles = program -> roleOf(status.get().groups(), program);
        return Cluster.start(config.settings(), config.exclusive(), stateDir, programs, inventory, roles);
    }

    static LocalInventory inventory(AgentStatus status) {
        Map<String, AgentStatus.EngineStatus> engines = new HashMap<>();
        Map<String, String> groupOf = new HashMap<>();
        Map<String, String> releases = new TreeMap<>();
        Map<String, String> published = new TreeMap<>();
        for (AgentStatus.GroupStatus g : status.groups()) {
            g.engines().forEach(e -> {
                engines.put(e.program(), e);
                groupOf.put(e.program(), g.name());
            });
            if (g.release() != null) {
                releases.put(g.name(), g.release());
            }
            if (g.published() != null && g.published().newest() != null) {
                published.put(g.name(), g.published().newest().toString());
            }
        }
        List<ProgramInventory> out = new ArrayList<>(status.programs().size());
        for (ProgramStatus p : status.programs()) {
            AgentStatus.EngineStatus e = engines.get(p.name());
            RunningBinaries.Binary binary = status.binaries().get(p.name());
            out.add(new ProgramInventory(p.name(), e == null ? null : e.version(), p.state().name(),
                    e == null ? null : e.role(), groupOf.get(p.name()), binary == null ? null : binary.sha256()));
        }
        return new LocalInventory(Main.Version.get(), out, releases, published);
    }

    /** The engine role ({@code ACTIVE}, {@code WAITING}, ...) of {@code program}, when it is an engine. */
    static Optional<String> roleOf(List<AgentStatus.GroupStatus> groups, String program) {
        for (AgentStatus.GroupStatus g : groups) {
            for (AgentStatus.EngineStatus e : g.engines()) {
                if (e.program().equals(program)) {
                    return Optional.ofNullable(e.role());
                }
            }
        }
        return Optional.empty();
    }
}
