package dev.baton.control;

import dev.baton.process.ProgramStatus;
import dev.baton.process.os.RunningBinaries;
import dev.baton.releases.PublishedRelease;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * @param stateProblem a state-directory problem (disk full, corrupted file, lost state) in plain words, or null
 * @param stateLost   a state file and its last good copy were damaged: programs are held until an operator acts
 * @param binaries    program name to the binary its process runs (path, SHA-256); a program is absent
 *                    while it has no process or its digest is not known yet
 * @param reexec      how this agent came to be by {@code baton reexec}, or null after an ordinary start
 */
public record AgentStatus(String version, long pid, String host, Instant startedAt, String configFile,
                          List<ProgramStatus> programs, List<GroupStatus> groups, String stateProblem,
                          boolean stateLost, Map<String, RunningBinaries.Binary> binaries, Reexec reexec) {

    /**
     * A re-exec in place: the version that re-executed itself into this one, the programs adopted
     * (running on, not restarted) and those handed over but not adopted (ended and started anew);
     * {@code lastFailure}: why the last re-exec this agent tried did not happen, or null.
     */
    public record Reexec(String fromVersion, List<String> adopted, List<String> notAdopted, String lastFailure) {
    }

    /**
     * One engine group.
     *
     * @param release      the chain's current release as last seen (null: not seen yet)
     * @param active       the active engine's version (null: none)
     * @param upgradeReady a newer engine is installed and waiting for the next release
     * @param next         the newest version waiting for a future release (an engine, or one a 1.4+ runner carries; in a sequential group the one the next halt starts), or null
     * @param lastHandover when the last handover completed (null: never)
     * @param error        a condition that needs an operator (no successor, do-not-restart), or null
     * @param published    what the group's release source said last; null when it names none
     */
    public record GroupStatus(String name, String profile, String release, String active, boolean upgradeReady,
                              String next, Instant lastHandover, String error, List<EngineStatus> engines,
                              PublishedRelease published) {
        /** Engine roles in which an engine of a release is ready for it: working, or waiting for it. */
        private static final Set<String> READY_ROLES = Set.of("ACTIVE", "SYNCING", "WAITING");

        public GroupStatus(String name, String profile, String release, String active, boolean upgradeReady,
                           String next, Instant lastHandover, String error, List<EngineStatus> engines) {
            this(name, profile, release, active, upgradeReady, next, lastHandover, error, engines, null);
        }

        public GroupStatus withPublished(PublishedRelease p) {
            return new GroupStatus(name, profile, release, active, upgradeReady, next, lastHandover, error, engines, p);
        }

        /** An engine of the newest published release (or newer) is configured, whatever its state. */
        public boolean publishedInstalled() {
            return published != null && engines.stream().anyMatch(e -> published.coveredBy(e.version()));
        }

        /** An engine of the newest published release (or newer) is active or waiting for it. */
        public boolean publishedReady() {
            return published != null && engines.stream()
                    .anyMatch(e -> published.coveredBy(e.version()) && READY_ROLES.contains(e.role()));
        }
    }

    /**
     * One engine program in a group.
     *
     * @param role ACTIVE, WAITING, SUPERSEDED, IDLE, SYNCING, UNKNOWN or ERROR
     */
    public record EngineStatus(String program, String version, String role, Instant roleSince) {
    }
}
