package dev.baton.config;

/**
 * Engine-group membership of a program ({@code group}, {@code version}, {@code on_superseded} keys).
 *
 * @param group        engine group name (e.g. {@code chainflip})
 * @param version      declared version, or null to learn it from the program's output
 * @param onSuperseded what baton does to a superseded engine: {@code stop} (default), {@code keep}, or a signal name
 */
public record EngineSettings(String group, String version, String onSuperseded) {
}
