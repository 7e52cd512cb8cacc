package dev.baton.handover;

import dev.baton.config.EngineSettings;

/**
 * A program's membership in a group, from its config.
 *
 * @param program         the program's name
 * @param declaredVersion the version the config declares, or null to learn it from the program's output
 * @param onSuperseded    what to do when it is superseded
 */
public record EngineSpec(String program, Version declaredVersion, IdleMode onSuperseded) {

    public EngineSpec {
        onSuperseded = onSuperseded == null ? IdleMode.STOP : onSuperseded;
    }

    /** @throws IllegalArgumentException when the version or on_superseded is malformed (config validation catches it first) */
    public static EngineSpec of(String program, EngineSettings settings) {
        Version v = settings.version() == null ? null : Version.parse(settings.version());
        return new EngineSpec(program, v, IdleMode.parse(settings.onSuperseded()));
    }
}
