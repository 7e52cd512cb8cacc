package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One TOML table being read: its key path, its file, and typed getters that validate as they read.
 * A getter never throws: a missing key gives the default, a bad value records a problem (file,
 * line, key path, what was expected) in the shared {@link Problems} and gives the default too, so
 * one pass reports everything that is wrong.
 *
 * <p>A node may have a fallback ({@link #withFallback}): keys it lacks are read from the fallback,
 * table by table, and problems with such values are reported where the fallback defines them.
 */
public final class ConfigNode {
    private static final Pattern NUMERIC = Pattern.compile("[+-]?\\d[\\d_]*(\\.\\d+)?");
    private static final int MAX_SHOWN_CHARS = 60;
    private static final String NUL_MESSAGE =
            "contains a NUL character (\\u0000), which no path, argument or variable can hold";

    private final ObjectNode table;
    private final List<String> path;
    private final Path file;
    private final KeyLocator locator;
    private final Problems problems;
    private final ConfigNode fallback;

    private ConfigNode(ObjectNode table, List<String> path, Path file, KeyLocator locator, Problems problems,
                       ConfigNode fallback) {
        this.table = table;
        this.path = List.copyOf(path);
        this.file = file;
        this.locator = locator;
        this.problems = problems;
        this.fallback = fallback;
    }

    /** The whole document read from {@code file} ({@code locator} built from the same text). */
    public static ConfigNode root(ObjectNode document, Path file, KeyLocator locator, Problems problems) {
        return new ConfigNode(document, List.of(), file, locator, problems, null);
    }

    /** This table reading keys it lacks from {@code other} (e.g. a program over {@code [defaults]}). */
    public ConfigNode withFallback(ConfigNode other) {
        return new ConfigNode(table, path, file, locator, problems, other);
    }

    // ---- where ----

    /** The key path for messages, such as {@code programs."engine1.0".log}; empty for the document. */
    public String path() {
        return TomlSyntax.path(path);
    }

    public List<String> pathKeys() {
        return path;
    }

    public Path file() {
        return file;
    }

    public Problems problems() {
        return problems;
    }

    /** File and line of this table (of the nearest enclosing table that can be located). */
    public Origin origin() {
        return new Origin(file, lineOf(path));
    }

    /** File and line of a key of this table (the table's line when the key cannot be located). */
    public Origin originOf(String key) {
        return new Origin(file, lineOf(child(key)));
    }

    /**
     * File and line of a key path written from the document's root, such as {@code profiles.x.rules[2].regex}
     * (of its nearest located parent when the key itself cannot be located).
     */
    public Origin originOfPath(String keyPath) {
        List<String> keys = TomlOutline.parsePath(keyPath);
        return keys == null ? origin() : new Origin(file, lineOf(keys));
    }

    public String keyPath(String key) {
        return TomlSyntax.path(child(key));
    }

    public void problem(String message) {
        problems.add(origin(), path(), message);
    }

    /** A problem with a key, reported where the key is set (here, or in the fallback it comes from). */
    public void problem(String key, String message) {
        Found found = find(key);
        ConfigNode holder = found == null ? this : found.owner;
        problems.add(holder.originOf(key), holder.keyPath(key), message);
    }

    // ---- what ----

    /** True when the key is set here or in the fallback. */
    public boolean has(String key) {
        return find(key) != null;
    }

    /** The keys set in this table itself, in document order. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        table.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** This table as parsed, for readers that bring their own validation (recognition profiles). */
    public JsonNode asJson() {
        return table;
    }

    /** The raw value (here or in the fallback), for forms the getters do not cover; null when absent. */
    public JsonNode value(String key) {
        Found found = find(key);
        return found == null ? null : found.value;
    }

    /** Reports each key of this table that is not in {@code known}, suggesting the nearest known one. */
    public void rejectUnknownKeys(Set<String> known) {
        String where = path.isEmpty() ? "at the top level" : "in [" + path() + "]";
        for (String key : keys()) {
            if (!known.contains(key)) {
                problem(key, "unknown key '" + key + "' " + where + NearestKey.hint(key, known, "keys"));
            }
        }
    }

    // ---- typed getters: the default when absent or invalid ----

    public String string(String key, String dflt) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        if (!found.value.isTextual()) {
            found.expected("a string");
            return dflt;
        }
        String text = found.text();
        return text == null ? dflt : text;
    }

    public boolean bool(String key, boolean dflt) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        if (!found.value.isBoolean()) {
            found.expected("true or false");
            return dflt;
        }
        return found.value.booleanValue();
    }

    public int integer(String key, int dflt, int min, int max) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        Integer value = found.integer(min, max);
        return value == null ? dflt : value;
    }

    /** A float or an integer within {@code [min, max]}. */
    public double number(String key, double dflt, double min, double max) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        double value = found.value.isNumber() ? found.value.doubleValue() : Double.NaN;
        if (!(value >= min && value <= max)) { // also false for NaN and for non-numbers
            found.expected("a number from " + plain(min) + " to " + plain(max));
            return dflt;
        }
        return value;
    }

    /** {@code "500ms"}, {@code "10s"}, {@code "1m30s"}, or an integer number of seconds, within {@code [min, max]}. */
    public Duration duration(String key, Duration dflt, Duration min, Duration max) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        Duration value;
        if (found.value.isIntegralNumber()) {
            // beyond a long is beyond any bound: let the range check below report it
            value = found.value.canConvertToLong() ? Duration.ofSeconds(found.value.longValue()) : max.plusDays(1);
        } else if (found.value.isTextual()) {
            value = parseOrNull(found.value.textValue(), Durations::parse);
        } else {
            value = null;
        }
        if (value == null) {
            found.expected(Durations.EXPECTED);
            return dflt;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            found.expected("a duration from " + Durations.format(min) + " to " + Durations.format(max));
            return dflt;
        }
        return value;
    }

    /** {@code "64KiB"}, {@code "50MB"}, {@code "1GiB"}, or an integer number of bytes, within {@code [min, max]}. */
    public long size(String key, long dflt, long min, long max) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        Long value;
        if (found.value.isIntegralNumber()) {
            value = found.value.canConvertToLong() ? found.value.longValue() : Long.MAX_VALUE;
        } else if (found.value.isTextual()) {
            value = parseOrNull(found.value.textValue(), text -> {
                try {
                    return Sizes.parse(text);
                } catch (ArithmeticException tooLarge) {
                    return Long.MAX_VALUE;
                }
            });
        } else {
            value = null;
        }
        if (value == null) {
            found.expected(Sizes.EXPECTED);
            return dflt;
        }
        if (value < min || value > max) {
            found.expected("a size from " + Sizes.format(min) + " to " + Sizes.format(max));
            return dflt;
        }
        return value;
    }

    public List<String> stringList(String key, List<String> dflt) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        List<String> list = found.list("an array of strings such as [\"a\", \"b\"]", item -> {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("expected a string, got " + describe(item));
            }
            if (item.textValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException(NUL_MESSAGE);
            }
            return item.textValue();
        });
        return list == null ? dflt : list;
    }

    public List<Integer> integerList(String key, List<Integer> dflt, int min, int max) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        List<Integer> list = found.list("an array of integers such as [0, 2]", item -> {
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.intValue() < min || item.intValue() > max) {
                throw new IllegalArgumentException("expected an integer from " + min + " to " + max + ", got " + describe(item));
            }
            return item.intValue();
        });
        return list == null ? dflt : list;
    }

    /**
     * A table of names to strings (numbers and booleans are accepted and converted to text); names
     * must pass {@code validName}. With a fallback, both tables are merged, this one winning.
     */
    public Map<String, String> stringMap(String key, Predicate<String> validName, String expectedName) {
        Map<String, String> out = new TreeMap<>();
        table(key).collectScalars(out, validName, expectedName);
        return Collections.unmodifiableMap(out);
    }

    /** One of {@code choices} (in the order they are to be listed in messages), with a suggestion for typos. */
    public <T> T choice(String key, T dflt, Map<String, T> choices) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        T value = found.value.isTextual() ? choices.get(found.value.textValue()) : null;
        if (value == null) {
            String hint = found.value.isTextual()
                    ? NearestKey.among(found.value.textValue(), choices.keySet()).map(c -> "; did you mean '" + c + "'?").orElse("")
                    : "";
            found.problem("expected one of " + String.join(", ", choices.keySet()) + ", got " + describe(found.value) + hint);
            return dflt;
        }
        return value;
    }

    /**
     * A value of any type read by {@code converter}, which rejects it with an IllegalArgumentException
     * whose message is shown as the problem ("expected ..., got ..."). For forms such as "an integer
     * or \"forever\"".
     */
    public <T> T converted(String key, T dflt, Function<JsonNode, T> converter) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        try {
            return converter.apply(found.value);
        } catch (IllegalArgumentException e) {
            found.problem(e.getMessage());
            return dflt;
        }
    }

    /** The config names of an enum's values, in declaration order, for {@link #choice}. */
    public static <E extends Enum<E>> Map<String, E> names(E[] values, Function<E, String> configName) {
        Map<String, E> out = new LinkedHashMap<>();
        for (E value : values) {
            out.put(configName.apply(value), value);
        }
        return Collections.unmodifiableMap(out);
    }

    /** An absolute path such as {@code "/var/lib/baton"}. */
    public Path absolutePath(String key, Path dflt) {
        Found found = find(key);
        if (found == null) {
            return dflt;
        }
        String text = found.value.isTextual() ? found.text() : null;
        if (text == null || !text.startsWith("/")) {
            found.expected("an absolute path such as \"/var/lib/baton\"");
            return dflt;
        }
        return Path.of(text);
    }

    // ---- sub-tables ----

    /**
     * The sub-table {@code key} ({@code key = { ... }} or {@code [path.key]}); an empty table when
     * absent, so that its defaults apply the same way. Its fallback is the fallback's sub-table.
     */
    public ConfigNode table(String key) {
        ConfigNode inherited = fallback == null ? null : fallback.table(key);
        JsonNode own = table.get(key);
        if (own instanceof ObjectNode object) {
            return new ConfigNode(object, child(key), file, locator, problems, inherited);
        }
        if (own != null) {
            problem(key, "expected a table such as " + TomlSyntax.key(key) + " = { ... } or a [" + keyPath(key)
                    + "] section, got " + describe(own));
        } else if (inherited != null) {
            return inherited;
        }
        return new ConfigNode(JsonNodeFactory.instance.objectNode(), child(key), file, locator, problems, inherited);
    }

    /** The elements of an array of tables ({@code [[key]]}); each node's path ends in {@code [n]}. */
    public List<ConfigNode> tables(String key) {
        Found found = find(key);
        if (found == null) {
            return List.of();
        }
        if (!found.value.isArray()) {
            found.expected("an array of tables ([[" + found.owner.keyPath(key) + "]] sections)");
            return List.of();
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < found.value.size(); i++) {
            if (found.value.get(i) instanceof ObjectNode element) {
                List<String> elementPath = new ArrayList<>(found.owner.child(key));
                elementPath.add(TomlSyntax.index(i));
                out.add(new ConfigNode(element, elementPath, found.owner.file, found.owner.locator, problems, null));
            } else {
                found.problem("item " + (i + 1) + ": expected a table, got " + describe(found.value.get(i)));
            }
        }
        return out;
    }

    /** Each sub-table of this table by its key, in document order, for sections such as {@code [programs.NAME]}. */
    public Map<String, ConfigNode> namedTables() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        table.fields().forEachRemaining(e -> {
            if (e.getValue() instanceof ObjectNode object) {
                out.put(e.getKey(), new ConfigNode(object, child(e.getKey()), file, locator, problems, null));
            } else {
                problem(e.getKey(), "expected a table [" + keyPath(e.getKey()) + "], got " + describe(e.getValue()));
            }
        });
        return out;
    }

    /** A value as shown in messages: strings quoted (and shortened), numbers as written, else its kind. */
    public static String describe(JsonNode value) {
        if (value.isTextual()) {
            String text = value.textValue();
            String shown = text.length() > MAX_SHOWN_CHARS ? text.substring(0, MAX_SHOWN_CHARS) + "..." : text;
            return TomlSyntax.string(shown);
        }
        if (value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        if (value instanceof POJONode pojo) {
            return "a date/time (" + pojo.getPojo() + ")";
        }
        return value.isArray() ? "an array" : value.isObject() ? "a table" : value.getNodeType().toString().toLowerCase();
    }

    // ---- internals ----

    private List<String> child(String key) {
        List<String> out = new ArrayList<>(path);
        out.add(key);
        return out;
    }

    /** The line of the path, else of its nearest located parent; 0 when none. */
    private int lineOf(List<String> keys) {
        for (int n = keys.size(); n > 0; n--) {
            int line = locator.line(keys.subList(0, n));
            if (line > 0) {
                return line;
            }
        }
        return 0;
    }

    private Found find(String key) {
        JsonNode own = table.get(key);
        if (own != null) {
            return new Found(this, key, own);
        }
        return fallback == null ? null : fallback.find(key);
    }

    private void collectScalars(Map<String, String> out, Predicate<String> validName, String expectedName) {
        if (fallback != null) {
            fallback.collectScalars(out, validName, expectedName);
        }
        for (String name : keys()) {
            Found found = new Found(this, name, table.get(name));
            if (!validName.test(name)) {
                found.problem("expected " + expectedName + ", got the name " + TomlSyntax.string(name));
            } else if (found.value.isValueNode() && !(found.value instanceof POJONode)) {
                String text = found.value.isTextual() ? found.text() : found.value.asText();
                if (text != null) {
                    out.put(name, text);
                }
            } else {
                found.expected("a string (numbers and booleans are converted)");
            }
        }
    }

    private static <T> T parseOrNull(String text, Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A value and the node that holds it (this one or a fallback): problems are reported there. */
    private record Found(ConfigNode owner, String key, JsonNode value) {
        void problem(String message) {
            owner.problem(key, message);
        }

        void expected(String what) {
            problem("expected " + what + ", got " + describe(value) + quotingHint());
        }

        /** The text, or null after reporting a NUL character, which no path, argument or variable can hold. */
        String text() {
            String text = value.textValue();
            if (text.indexOf('\0') >= 0) {
                problem(NUL_MESSAGE);
                return null;
            }
            return text;
        }

        Integer integer(int min, int max) {
            if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= min && value.longValue() <= max) {
                return value.intValue();
            }
            expected("an integer from " + min + " to " + max);
            return null;
        }

        /** Items converted by {@code item}, which rejects one with an IllegalArgumentException; null when any was bad. */
        <T> List<T> list(String expected, Function<JsonNode, T> item) {
            if (!value.isArray()) {
                expected(expected);
                return null;
            }
            List<T> out = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                try {
                    out.add(item.apply(value.get(i)));
                } catch (IllegalArgumentException e) {
                    problem("item " + (i + 1) + ": " + e.getMessage());
                }
            }
            return out.size() == value.size() ? List.copyOf(out) : null;
        }

        private String quotingHint() {
            if (!value.isTextual()) {
                return "";
            }
            String text = value.textValue().strip();
            if (text.equals("true") || text.equals("false")) {
                return " (write true or false without quotes)";
            }
            return NUMERIC.matcher(text).matches() ? " (write numbers without quotes)" : "";
        }
    }
}
