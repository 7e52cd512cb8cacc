package dev.baton.cluster;

import java.util.Optional;

/** The agent's view of engine roles, for {@link ReadinessSpec.EngineRole}. Called on the probe thread: thread-safe, never blocking. */
@FunctionalInterface
public interface EngineRoles {
    EngineRoles NONE = program -> Optional.empty();

    Optional<String> roleOf(String program);
}
