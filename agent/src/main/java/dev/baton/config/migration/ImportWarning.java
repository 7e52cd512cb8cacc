package dev.baton.config.migration;

import java.nio.file.Path;

/**
 * A setting an importer could not map exactly, phrased for an operator.
 *
 * @param impact  what it changes (the triage order)
 * @param file    the file the setting is in
 * @param line    1-based line of the key (or of the section header when {@code key} is empty; 0: the whole file)
 * @param section the section as written, e.g. {@code program:engine_1} or {@code Service}
 * @param key     the key, or empty for a whole section
 * @param message what the old supervisor did and what baton does instead
 */
public record ImportWarning(Impact impact, Path file, int line, String section, String key, String message) {
    @Override
    public String toString() {
        String where = file + ":" + line + ": [" + section + "]";
        return key.isEmpty() ? where + ": " + message : where + " " + key + ": " + message;
    }
}
