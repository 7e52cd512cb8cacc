package dev.baton.handover;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;
import java.util.List;

/**
 * What the API shows of a group: an immutable copy.
 *
 * @param group          the group's name
 * @param release        the chain's release as last confirmed (null: not seen yet)
 * @param pendingRelease an older release reported but not confirmed yet (a rollback candidate), else null
 * @param activeVersion  the version of the active engine, or null when none is active
 * @param activeProgram  the active engine, or null
 * @param upgradeReady   a newer engine is installed and waiting for the next release (or a runner carries one)
 * @param nextVersion    the newest such version, or null
 * @param lastHandoverAt when an engine was last idled because it was superseded
 * @param problems       errors an operator must act on (no successor, do-not-restart)
 * @param engines        every engine, by program name
 */
public record GroupView(
        String group,
        Version release,
        Version pendingRelease,
        Version activeVersion,
        String activeProgram,
        boolean upgradeReady,
        Version nextVersion,
        @JsonSerialize(using = ToStringSerializer.class) Instant lastHandoverAt,
        List<String> problems,
        List<EngineView> engines) {

    /**
     * @param compatible the engine's version is compatible with the group's release (false when either is unknown)
     */
    public record EngineView(
            String program,
            Version version,
            Role role,
            boolean running,
            boolean compatible,
            String onSuperseded,
            @JsonSerialize(using = ToStringSerializer.class) Instant roleSince,
            @JsonSerialize(using = ToStringSerializer.class) Instant idleSince,
            String problem) {
    }
}
