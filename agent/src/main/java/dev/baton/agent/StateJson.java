package dev.baton.agent;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.baton.agent.state.ProgramsState;
import dev.baton.agent.state.StateFile;
import dev.baton.handover.GroupSnapshot;
import dev.baton.handover.HandoverEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The state files written with Jackson's streaming API, field for field what databind wrote (and
 * still reads): no serializer model, no reflection, and for {@code handover.json}, whose every
 * group carries its last 100 events, each event's JSON is made once and reused while the event is
 * in a snapshot. Those events were most of a handover's garbage (handover.json is ~300 KB with 10
 * groups and written at every step of every handover). Used on the state writer thread only.
 */
final class StateJson {
    private StateJson() {
    }

    /** {@code programs.json}; nulls left out as {@code @JsonInclude(NON_NULL)} says. */
    static void programs(JsonGenerator g, ProgramsState s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", s.version());
        g.writeObjectFieldStart("programs");
        for (Map.Entry<String, ProgramsState.Entry> e : s.programs().entrySet()) {
            ProgramsState.Entry v = e.getValue();
            g.writeObjectFieldStart(e.getKey());
            if (v.desired() != null) {
                g.writeStringField("desired", v.desired());
            }
            g.writeNumberField("pid", v.pid());
            g.writeNumberField("startTime", v.startTime());
            if (v.tag() != null) {
                g.writeStringField("tag", v.tag());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
        if (s.bootId() != null) {
            g.writeStringField("bootId", s.bootId());
        }
        g.writeEndObject();
    }

    /** {@code handover.json}; remembers the JSON of the events of the last snapshot it wrote. */
    static final class Handover implements StateFile.Serializer<HandoverCoordinator.HandoverState> {
        /**
         * Each event's JSON, kept from one write to the next as UTF-8 bytes (SerializedString encodes once):
         * a group keeps up to 500 events and the whole file is written on every change, so re-encoding
         * every event's string each time made this thread the agent's busiest during a run of handovers.
         */
        private Map<HandoverEvent, SerializedString> eventJson = new IdentityHashMap<>();

        @Override
        public void write(JsonGenerator g, HandoverCoordinator.HandoverState s) throws IOException {
            Map<HandoverEvent, SerializedString> written = new IdentityHashMap<>(eventJson.size() + 16);
            g.writeStartObject();
            g.writeNumberField("version", s.version());
            g.writeObjectFieldStart("groups");
            for (Map.Entry<String, GroupSnapshot> e : s.groups().entrySet()) {
                g.writeFieldName(e.getKey());
                group(g, e.getValue(), written);
            }
            g.writeEndObject();
            g.writeEndObject();
            eventJson = written; // events that left every snapshot are forgotten
        }

        private void group(JsonGenerator g, GroupSnapshot s, Map<HandoverEvent, SerializedString> written) throws IOException {
            g.writeStartObject();
            g.writeNumberField("format", s.format());
            g.writeStringField("group", s.group());
            string(g, "release", s.release());
            string(g, "previousRelease", s.previousRelease());
            string(g, "releaseChangedAt", s.releaseChangedAt());
            string(g, "lastHandoverAt", s.lastHandoverAt());
            g.writeArrayFieldStart("engines");
            for (GroupSnapshot.EngineSnapshot e : s.engines()) {
                g.writeStartObject();
                g.writeStringField("program", e.program());
                string(g, "declaredVersion", e.declaredVersion());
                string(g, "learnedVersion", e.learnedVersion());
                g.writeStringField("role", e.role() == null ? null : e.role().name());
                string(g, "roleSince", e.roleSince());
                string(g, "idleSince", e.idleSince());
                g.writeStringField("problem", e.problem());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("history");
            for (HandoverEvent e : s.history()) {
                SerializedString json = eventJson.get(e);
                if (json == null) {
                    json = new SerializedString(event(e));
                }
                written.put(e, json);
                g.writeRawValue(json);
            }
            g.writeEndArray();
            GroupSnapshot.PendingSteps steps = s.upgradeSteps();
            if (steps == null) {
                g.writeNullField("upgradeSteps");
            } else {
                g.writeObjectFieldStart("upgradeSteps");
                g.writeStringField("successor", steps.successor());
                g.writeStringField("upgrade", steps.upgrade());
                g.writeBooleanField("failed", steps.failed());
                g.writeEndObject();
            }
            g.writeEndObject();
        }

        private static String event(HandoverEvent e) {
            StringWriter out = new StringWriter(256);
            try (JsonGenerator g = StateFile.JSON.getFactory().createGenerator(out)) {
                g.writeStartObject();
                string(g, "at", e.at());
                g.writeStringField("group", e.group());
                g.writeStringField("kind", e.kind() == null ? null : e.kind().name());
                g.writeStringField("program", e.program());
                string(g, "version", e.version());
                string(g, "release", e.release());
                g.writeStringField("message", e.message());
                g.writeNumberField("count", e.count());
                string(g, "lastAt", e.lastAt());
                g.writeEndObject();
            } catch (IOException impossible) {
                throw new UncheckedIOException(impossible); // a StringWriter does not fail
            }
            return out.toString();
        }
    }

    /** A value databind wrote with its toString (Version's @JsonValue, Instant's ToStringSerializer). */
    private static void string(JsonGenerator g, String field, Object value) throws IOException {
        g.writeStringField(field, Objects.toString(value, null));
    }
}
