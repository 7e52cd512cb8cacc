package dev.baton.config.migration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.util.Iterator;
import java.util.Map;

/**
 * Renders an ObjectNode as TOML with Jackson's TomlMapper, one {@code [table]} per object (Jackson
 * alone writes every key as a dotted path from the root). Values and keys are quoted by Jackson;
 * only the table headers are put together here, from keys Jackson quoted.
 */
public final class TomlText {
    public static final TomlMapper MAPPER = new TomlMapper();

    private TomlText() {
    }

    public static String render(ObjectNode root) {
        StringBuilder out = new StringBuilder();
        table(out, "", root);
        return out.toString();
    }

    private static void table(StringBuilder out, String path, ObjectNode node) {
        ObjectNode scalars = MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isObject()) {
                scalars.set(e.getKey(), e.getValue());
            }
        }
        if (!scalars.isEmpty() || (!path.isEmpty() && node.isEmpty())) {
            if (!path.isEmpty()) {
                if (out.length() > 0) {
                    out.append('\n');
                }
                out.append('[').append(path).append("]\n");
            }
            out.append(write(scalars));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                String key = quotedKey(e.getKey());
                table(out, path.isEmpty() ? key : path + "." + key, (ObjectNode) e.getValue());
            }
        }
    }

    /** A key as TOML writes it (bare, or quoted when it has other characters). */
    public static String quotedKey(String key) {
        String line = write(MAPPER.createObjectNode().put(key, 0));
        return line.substring(0, line.lastIndexOf(" = 0")).strip();
    }

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
