package dev.baton.config;

/**
 * One thing wrong with a configuration, phrased for an operator.
 *
 * @param origin  file and line (line 0 when not known)
 * @param keyPath dotted key path such as {@code programs.engine.stop_timeout} (empty for file-level problems)
 * @param message what is wrong and what is expected, e.g. "expected a duration such as \"10s\", got 12.5"
 */
public record ConfigProblem(Origin origin, String keyPath, String message) {
    @Override
    public String toString() {
        String where = origin.toString();
        return keyPath.isEmpty() ? where + ": " + message : where + ": " + keyPath + ": " + message;
    }
}
