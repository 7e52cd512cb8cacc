package dev.baton.handover;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;
import java.util.List;

/**
 * A group's persistent state, serialisable with a plain Jackson ObjectMapper: written after each
 * change, read at agent start so that an idled engine stays idle and the active one runs.
 *
 * @param format           this record's format version (1)
 * @param group            the group's name
 * @param release          the chain's release as last confirmed, or null
 * @param previousRelease  the one before it, or null
 * @param releaseChangedAt when the release last changed
 * @param lastHandoverAt   when an engine was last idled because it was superseded
 * @param engines          every engine's state
 * @param history          the newest events, oldest first
 * @param upgradeSteps     a sequential group's upgrade whose steps (pre-upgrade, backup) have not succeeded yet, or null
 */
public record GroupSnapshot(
        int format,
        String group,
        Version release,
        Version previousRelease,
        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant releaseChangedAt,
        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant lastHandoverAt,
        List<EngineSnapshot> engines,
        List<HandoverEvent> history,
        PendingSteps upgradeSteps) {

    public static final int FORMAT = 1;

    public GroupSnapshot(int format, String group, Version release, Version previousRelease, Instant releaseChangedAt,
                         Instant lastHandoverAt, List<EngineSnapshot> engines, List<HandoverEvent> history) {
        this(format, group, release, previousRelease, releaseChangedAt, lastHandoverAt, engines, history, null);
    }

    /**
     * Saved before the steps run, so that an agent killed while they run runs them again at its start
     * (the successor is held until they succeed).
     *
     * @param successor the version that starts once they succeed
     * @param upgrade   the halt's words
     * @param failed    they failed: the successor stays held, the group in error, until an operator starts it
     */
    public record PendingSteps(String successor, String upgrade, boolean failed) {
    }

    public GroupSnapshot {
        engines = engines == null ? List.of() : List.copyOf(engines);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /**
     * @param declaredVersion the version the config declared when this was saved (a change means a new binary)
     * @param learnedVersion  the version read from the engine's output
     */
    public record EngineSnapshot(
            String program,
            Version declaredVersion,
            Version learnedVersion,
            Role role,
            @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant roleSince,
            @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant idleSince,
            String problem) {
    }
}
