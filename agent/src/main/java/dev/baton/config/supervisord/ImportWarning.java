package dev.baton.config.supervisord;

import java.nio.file.Path;

/**
 * A supervisord setting the importer could not map exactly, phrased for an operator.
 *
 * @param file    the supervisord file the setting is in
 * @param line    1-based line of the key (or of the section header when {@code key} is empty)
 * @param section the section as written, e.g. {@code program:engine_1}
 * @param key     the key, or empty for a whole section
 * @param message what baton does instead
 */
public record ImportWarning(Path file, int line, String section, String key, String message) {
    @Override
    public String toString() {
        String where = file + ":" + line + ": [" + section + "]";
        return key.isEmpty() ? where + ": " + message : where + " " + key + ": " + message;
    }
}
