package dev.baton.config;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes TOML text a line at a time: comments, table headers and {@code key = value} with literals. */
final class TomlWriter {
    private final StringBuilder out = new StringBuilder();

    TomlWriter comment(String text) {
        out.append("# ").append(text).append('\n');
        return this;
    }

    TomlWriter table(List<String> path) {
        out.append(out.length() == 0 ? "" : "\n").append('[').append(TomlSyntax.path(path)).append("]\n");
        return this;
    }

    /** {@code [[path]]}: one more table of an array of tables. */
    TomlWriter arrayTable(List<String> path) {
        out.append(out.length() == 0 ? "" : "\n").append("[[").append(TomlSyntax.path(path)).append("]]\n");
        return this;
    }

    /** {@code key = literal}; nothing when the literal is null (TOML has no null: the key stays unset). */
    TomlWriter put(String key, String literal) {
        if (literal != null) {
            out.append(TomlSyntax.key(key)).append(" = ").append(literal).append('\n');
        }
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    // ---- literals ----

    static String string(Object value) {
        return value == null ? null : TomlSyntax.string(value.toString());
    }

    static String array(List<String> literals) {
        return "[" + String.join(", ", literals) + "]";
    }

    /** An inline table of keys to literals, in the map's order; null literals are left out. */
    static String inline(Map<String, String> literals) {
        String body = literals.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> TomlSyntax.key(e.getKey()) + " = " + e.getValue())
                .collect(Collectors.joining(", "));
        return body.isEmpty() ? "{}" : "{ " + body + " }";
    }
}
