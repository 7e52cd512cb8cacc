package dev.baton.cluster;

/**
 * One program as a host reports it to the fleet.
 *
 * @param name    program name
 * @param version declared or learned version (null when unknown)
 * @param state   supervisor state such as RUNNING, STOPPED, BACKOFF
 * @param role    engine role when the program is an engine (e.g. active, waiting), else null
 * @param group   the engine group when the program is an engine, else null
 * @param sha256  SHA-256 of the binary its process runs, null without a process (or from an older agent)
 */
public record ProgramInventory(String name, String version, String state, String role, String group, String sha256) {
    public ProgramInventory(String name, String version, String state, String role) {
        this(name, version, state, role, null, null);
    }
}
