package dev.baton.config;

/** When a program that exited is started again (supervisord's autorestart false / unexpected / true). */
public enum RestartPolicy {
    /** Never restart after the program reached RUNNING and exited. */
    NEVER,
    /** Restart only when the exit was not expected (exit code not in {@code exit_codes}, or killed by a signal). */
    ON_FAILURE,
    /** Always restart. */
    ALWAYS;

    public String configName() {
        return name().toLowerCase().replace('_', '-');
    }
}
