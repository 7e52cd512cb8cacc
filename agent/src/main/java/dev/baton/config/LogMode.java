package dev.baton.config;

/** How program lines are written to the agent's own stdout. */
public enum LogMode {
    /** Lines passed through untouched (JSON lines stay parseable by log shippers). */
    RAW,
    /** {@code name | line}, like docker compose. */
    PREFIXED,
    /** Program lines are not copied to the agent's stdout (ring buffer and files only). */
    NONE;

    public String configName() {
        return name().toLowerCase();
    }
}
