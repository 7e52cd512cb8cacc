package dev.baton.handover;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;

/**
 * One transition of a group, for the history, the API and one agent log line.
 *
 * @param at      when baton saw it
 * @param group   the group's name
 * @param kind    what happened
 * @param program the engine it is about (null for group-wide events)
 * @param version that engine's version, when known
 * @param release the chain's release as the group knows it then
 * @param message plain words, e.g. "chainflip: runtime upgraded to 1.1.0; chainflip-engine1.1 (1.1.0) is active; idling chainflip-engine1.0 (1.0.3)"
 */
public record HandoverEvent(
        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant at,
        String group, Kind kind, String program, Version version, Version release, String message) {

    public enum Severity { INFO, WARN, ERROR }

    public enum Kind {
        RELEASE_CHANGED(Severity.INFO),
        ENGINE_ACTIVE(Severity.INFO),
        ENGINE_WAITING(Severity.INFO),
        ENGINE_SYNCING(Severity.INFO),
        ENGINE_SUPERSEDED(Severity.INFO),
        /** A superseded engine was idled: the handover itself. */
        ENGINE_IDLED(Severity.INFO),
        /** An idled engine is started again because the release is one it is compatible with. */
        ENGINE_RESUMED(Severity.WARN),
        /** The release went back to one an idled engine is compatible with: it is resumed. */
        ROLLBACK(Severity.WARN),
        /** An engine is superseded and a successor is installed but not ready yet (e.g. syncing): the old one is kept. */
        HANDOVER_PENDING(Severity.WARN),
        /** An engine is superseded and no newer engine is installed: the old one is kept, an operator must act. */
        NO_SUCCESSOR(Severity.ERROR),
        /** The engine said it must not be restarted. */
        DO_NOT_RESTART(Severity.ERROR),
        /** A line was recorded but not acted on (versions did not parse, or it contradicts what the group knows). */
        AMBIGUOUS_LINE(Severity.WARN),
        /** The engine's own output names another version than the one baton knew. */
        VERSION_LEARNED(Severity.INFO);

        private final Severity severity;

        Kind(Severity severity) {
            this.severity = severity;
        }

        public Severity severity() {
            return severity;
        }
    }
}
