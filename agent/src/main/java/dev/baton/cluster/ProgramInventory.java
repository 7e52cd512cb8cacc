package dev.baton.cluster;

/**
 * One program as a host reports it to the fleet.
 *
 * @param name    program name
 * @param version declared or learned version (null when unknown)
 * @param state   supervisor state such as RUNNING, STOPPED, BACKOFF
 * @param role    engine role when the program is an engine (e.g. active, waiting), else null
 */
public record ProgramInventory(String name, String version, String state, String role) {
}
