package dev.baton.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;

import java.nio.file.Path;
import java.util.List;

/** One file's TOML text parsed by Jackson, as a {@link ConfigNode}; null root when it is not valid TOML. */
record TomlDocument(Path file, ConfigNode root) {
    static final int MAX_NESTING = 64;

    // Dates become their own node type, so that a date where a string belongs is reported, not taken
    // as text. The nesting bound keeps Jackson's recursive parser far from a stack overflow.
    private static final TomlMapper MAPPER = new TomlMapper(TomlFactory.builder()
            .enable(TomlReadFeature.PARSE_JAVA_TIME)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build());

    static TomlDocument parse(Path file, String text, Problems problems) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text; // Jackson rejects a byte order mark
        KeyLocator locator = KeyLocator.of(body);
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            problems.add(SyntaxErrors.describe(e, file, locator));
            return new TomlDocument(file, null);
        }
        ObjectNode document = tree instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
        dropLongIntegers(document, locator, file, problems);
        return new TomlDocument(file, ConfigNode.root(document, file, locator, problems));
    }

    boolean valid() {
        return root != null;
    }

    /**
     * jackson-dataformat-toml 2.22.0 misreads 19-digit integers (1000000000000000000 becomes 0,
     * jackson-dataformats-text#663), which could turn a huge value into a valid-looking one. No
     * setting takes such numbers, so each is reported and its key removed before validation.
     * Remove this once the pom has a Jackson with the fix.
     */
    private static void dropLongIntegers(ObjectNode document, KeyLocator locator, Path file, Problems problems) {
        for (TomlOutline.Literal literal : locator.longIntegers()) {
            problems.add(new Origin(file, literal.line()), TomlSyntax.path(literal.path()),
                    "expected a much smaller integer (no setting takes 19 digits or more), got " + literal.text());
            remove(document, literal.path());
        }
    }

    /** Removes the key holding the value at path (the whole array when the value is an array item). */
    private static void remove(ObjectNode document, List<String> path) {
        int last = path.size() - 1;
        while (last > 0 && TomlSyntax.isIndex(path.get(last))) {
            last--;
        }
        JsonNode container = document;
        for (String key : path.subList(0, last)) {
            container = TomlSyntax.isIndex(key) && container instanceof ArrayNode array
                    ? array.get(Integer.parseInt(key.substring(1, key.length() - 1)))
                    : container == null ? null : container.get(key);
        }
        if (container instanceof ObjectNode object) {
            object.remove(path.get(last));
        }
    }
}
