package dev.baton.handover;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;
import java.util.regex.Pattern;

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
 * @param count   how often it happened: repeats are coalesced into the first (see {@link #repeatKey()}); at least 1
 * @param lastAt  when it last happened ({@code at} is the first time)
 */
public record HandoverEvent(
        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant at,
        String group, Kind kind, String program, Version version, Version release, String message, int count,
        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = InstantDeserializer.class) Instant lastAt) {

    /** Block hashes and numbers (4+ digits): what changes from one block's line to the next. */
    private static final Pattern PER_BLOCK = Pattern.compile("0x[0-9a-fA-F]+(?:…[0-9a-fA-F]+)?|\\d{4,}");

    public HandoverEvent {
        count = Math.max(1, count); // a file written before repeats were counted has none
        lastAt = lastAt == null ? at : lastAt;
    }

    /** A first occurrence. */
    public HandoverEvent(Instant at, String group, Kind kind, String program, Version version, Version release, String message) {
        this(at, group, kind, program, version, release, message, 1, at);
    }

    /**
     * What makes two events the same happening: the same kind, engine and words once block hashes and
     * numbers are left out (an engine says the same thing at every block).
     */
    public String repeatKey() {
        return kind + "|" + group + "|" + program + "|" + version + "|" + release + "|"
                + (message == null ? "" : PER_BLOCK.matcher(message).replaceAll("#"));
    }

    /** This event seen once more, at {@code when}. */
    HandoverEvent repeatedAt(Instant when) {
        return new HandoverEvent(at, group, kind, program, version, release, message, count + 1, when);
    }

    /** True for the events that tell what an upgrade did (kept in the saved history whatever follows). */
    public boolean decisive() {
        return switch (kind) {
            case RELEASE_CHANGED, ENGINE_IDLED, ENGINE_RESUMED, ROLLBACK, NO_SUCCESSOR, SUCCESSOR_DOWN, DO_NOT_RESTART,
                 OPERATOR_OVERRIDE, RESUME_REFUSED, SUCCESSOR_STARTED, ENGINE_SWITCHED, UPGRADE_STEPS_STARTED,
                 UPGRADE_STEPS_FAILED -> true;
            default -> false;
        };
    }

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
        /**
         * An engine is superseded and its successor is installed but not running (stopped by an operator,
         * crash-looping, given up): the old one is kept, an operator must act.
         */
        SUCCESSOR_DOWN(Severity.ERROR),
        /** An operator started an engine the handover held (idled, or in error): it runs until it says it is superseded again. */
        OPERATOR_OVERRIDE(Severity.WARN),
        /** The release needs an idled engine back, but an operator stopped it: it stays stopped, an operator must act. */
        RESUME_REFUSED(Severity.ERROR),
        /** A runner (Chainflip 1.4+) switched to its newer engine inside its process: a handover. */
        ENGINE_SWITCHED(Severity.INFO),
        /** Sequential handover: the old version halted for the upgrade and has exited; the next one is started. */
        SUCCESSOR_STARTED(Severity.INFO),
        /** Sequential handover: the old version has exited at the upgrade; the pre-upgrade and backup commands run. */
        UPGRADE_STEPS_STARTED(Severity.INFO),
        /** Sequential handover: the pre-upgrade or backup command failed; the next version is not started, an operator must act. */
        UPGRADE_STEPS_FAILED(Severity.ERROR),
        /** The engine said it must not be restarted. */
        DO_NOT_RESTART(Severity.ERROR),
        /** The engine said why it exits and a restart is right (e.g. the 1.4+ runner's bail lines): its words are kept. */
        ENGINE_EXITING(Severity.WARN),
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
