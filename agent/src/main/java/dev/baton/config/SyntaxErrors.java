package dev.baton.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Turns Jackson's TOML syntax errors into problems with a line, a column and a plain phrase. */
final class SyntaxErrors {
    /** Jackson's message (its start) and what to tell an operator instead. */
    private static final Map<String, String> PHRASES = new LinkedHashMap<>();

    static {
        PHRASES.put("Newline not permitted here", "the line ends too early: a value is missing, or a string, "
                + "[header] or { inline table } is not closed on this line");
        PHRASES.put("Unknown token", "unexpected text: strings need quotes (\"...\"), and each line holds one key = value");
        PHRASES.put("More data after value", "unexpected text after a value: one key = value per line, "
                + "and array items are separated by commas");
        PHRASES.put("Unknown escape sequence", "unknown escape in a \"string\": write \\\\ for a backslash, "
                + "or use a 'literal string'");
        PHRASES.put("Illegal control character", "a control character inside a string: use an escape such as \\t");
        PHRASES.put("Object already closed", "an inline table { ... } cannot be extended later; write it as a [table] section instead");
        PHRASES.put("Path into existing", "a key is used both as a plain value and as a table or array");
        PHRASES.put("Premature end of file", "the file ends too early: a string, array or table is not closed");
        PHRASES.put("EOF in wrong state", "the file ends too early: a string, array or table is not closed");
        PHRASES.put("Duplicate key", "a key is defined twice; keep only one");
        PHRASES.put("Table redefined", "a table is defined twice; merge the two sections");
    }

    private SyntaxErrors() {
    }

    static ConfigProblem describe(JsonProcessingException e, Path file, KeyLocator locator) {
        String original = String.valueOf(e.getOriginalMessage());
        if (original.startsWith("Duplicate key") || original.startsWith("Table redefined")) {
            Optional<ConfigProblem> duplicate = locator.firstDuplicate().map(d -> new ConfigProblem(
                    new Origin(file, d.line()), TomlSyntax.path(d.path()),
                    "defined twice (first at line " + d.firstLine() + "): keep one, or merge the two"));
            if (duplicate.isPresent()) {
                return duplicate.get();
            }
        }
        if (e instanceof StreamConstraintsException) {
            String why = original.contains("nesting depth")
                    ? "arrays and tables are nested more than " + TomlDocument.MAX_NESTING + " levels deep"
                    : original;
            return new ConfigProblem(new Origin(file, 0), "", "too large to read: " + why);
        }
        JsonLocation at = e.getLocation();
        int line = at == null ? 0 : Math.max(0, at.getLineNr());
        String column = at == null || at.getColumnNr() < 1 ? "" : " at column " + at.getColumnNr();
        String phrase = PHRASES.entrySet().stream()
                .filter(p -> original.startsWith(p.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(original);
        return new ConfigProblem(new Origin(file, line), "", "TOML syntax error" + column + ": " + phrase);
    }
}
