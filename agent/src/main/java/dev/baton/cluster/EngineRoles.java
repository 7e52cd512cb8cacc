package dev.baton.cluster;

import java.util.Optional;

/** The agent's view of engine roles, for {@link ReadinessSpec.EngineRole}. Must not block. */
@FunctionalInterface
public interface EngineRoles {
    EngineRoles NONE = program -> Optional.empty();

    Optional<String> roleOf(String program);
}
