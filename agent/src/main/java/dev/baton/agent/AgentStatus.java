package dev.baton.agent;

import dev.baton.process.ProgramStatus;
import java.time.Instant;
import java.util.List;

/**
 * The agent's read model: an immutable snapshot.
 *
 * @param version     baton's version
 * @param pid         the agent's pid
 * @param host        host name
 * @param startedAt   when the agent started
 * @param configFile  the main config file
 * @param programs    every program, in name order
 * @param groups      every engine group, in name order
 * @param stateProblem a state-directory problem (disk full, corrupted file) in plain words, or null
 */
public record AgentStatus(String version, long pid, String host, Instant startedAt, String configFile,
                          List<ProgramStatus> programs, List<GroupStatus> groups, String stateProblem) {

    /**
     * One engine group.
     *
     * @param release      the chain's current release as last seen (null: not seen yet)
     * @param active       the active engine's version (null: none)
     * @param upgradeReady a newer engine is installed and waiting for the next release
     * @param next         the newest version waiting for a future release (an engine, or one a 1.4+ runner carries), or null
     * @param lastHandover when the last handover completed (null: never)
     * @param error        a condition that needs an operator (no successor, do-not-restart), or null
     */
    public record GroupStatus(String name, String profile, String release, String active, boolean upgradeReady,
                              String next, Instant lastHandover, String error, List<EngineStatus> engines) {
    }

    /**
     * One engine program in a group.
     *
     * @param role ACTIVE, WAITING, SUPERSEDED, IDLE, SYNCING, UNKNOWN or ERROR
     */
    public record EngineStatus(String program, String version, String role, Instant roleSince) {
    }
}
