package dev.baton.config;

import java.util.List;
import java.util.Optional;

/**
 * Finds the 1-based line where a key path appears in TOML text, for messages: table headers
 * ({@code [a.b]}, {@code [[a]]}), dotted keys ({@code a.b = 1}) and keys of inline tables on their
 * line. Best effort: 0 when the path cannot be found. Jackson's tree carries no locations, hence this.
 */
public final class KeyLocator {
    private final TomlOutline outline;

    private KeyLocator(TomlOutline outline) {
        this.outline = outline;
    }

    public static KeyLocator of(String tomlText) {
        return new KeyLocator(TomlOutline.of(tomlText));
    }

    /** The first line of the path given as keys ({@code ["programs", "engine1.0", "log"]}; {@code "[2]"} for an element). */
    public int line(List<String> path) {
        return outline.line(path);
    }

    /** The first line of a path written as TOML, such as {@code programs."engine1.0".log} or {@code profiles[2].name}. */
    public int line(String keyPath) {
        List<String> path = TomlOutline.parsePath(keyPath);
        return path == null ? 0 : outline.line(path);
    }

    Optional<TomlOutline.Duplicate> firstDuplicate() {
        return outline.firstDuplicate();
    }

    List<TomlOutline.Literal> longIntegers() {
        return outline.longIntegers();
    }
}
