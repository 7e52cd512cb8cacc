package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.process.os.Signals;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the engine keys of a program ({@code engine_group}, {@code version}, {@code on_superseded}). */
final class EngineSection {
    static final Set<String> KEYS = Set.of("engine_group", "version", "on_superseded");
    static final String STOP = "stop", KEEP = "keep";
    private static final Pattern VERSION = Pattern.compile("\\d{1,9}\\.\\d{1,9}\\.\\d{1,9}(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");

    private EngineSection() {
    }

    /** The engine settings, or null for a plain program (no {@code engine_group}). */
    static EngineSettings read(ConfigNode node) {
        if (!node.has("engine_group")) {
            for (String key : List.of("version", "on_superseded")) {
                if (node.has(key)) {
                    node.problem(key, "only applies to an engine, and this program has no engine_group: add "
                            + "engine_group = \"NAME\" to make it one of the engines that hand over to each other, or remove " + key);
                }
            }
            return null;
        }
        String group = node.converted("engine_group", null, value -> Names.require(value, "an engine group name"));
        String version = node.converted("version", null, EngineSection::version);
        String onSuperseded = node.converted("on_superseded", STOP, EngineSection::onSuperseded);
        return group == null ? null : new EngineSettings(group, version, onSuperseded);
    }

    private static String version(JsonNode value) {
        if (value.isTextual() && VERSION.matcher(value.textValue()).matches()) {
            return value.textValue();
        }
        throw new IllegalArgumentException("expected a version x.y.z[-pre][+build] such as \"1.0.0\" or \"1.2.0-rc.1\", got "
                + ConfigNode.describe(value));
    }

    /** {@code stop}, {@code keep}, or a signal, kept by its canonical name ({@code SIGUSR1}). */
    private static String onSuperseded(JsonNode value) {
        String text = value.isTextual() ? value.textValue() : "";
        if (text.equals(STOP) || text.equals(KEEP)) {
            return text;
        }
        try {
            return Signals.name(Signals.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected stop, keep or a signal name such as \"USR1\", got "
                    + ConfigNode.describe(value));
        }
    }
}
