package dev.baton.agent;

import dev.baton.config.BatonConfig;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The agent's own settings ({@code [agent]}, {@code [api]}) are read once, at start: a reload cannot
 * apply them. Which of them the config files now set otherwise than the running agent uses, so that a
 * reload says so instead of answering as if they were applied.
 */
final class RestartOnlySettings {
    private RestartOnlySettings() {
    }

    /** e.g. {@code ["agent.shutdown_timeout", "api.port"]}; empty when none changed. */
    static List<String> changed(BatonConfig running, BatonConfig next) {
        List<String> keys = new ArrayList<>();
        keys.addAll(changed("agent", running.agent(), next.agent()));
        keys.addAll(changed("api", running.api(), next.api()));
        return keys;
    }

    /** The reload's note for {@code keys} (not empty). */
    static String note(List<String> keys) {
        return String.join(", ", keys) + " changed: the agent's own settings take effect when it restarts (systemctl "
                + "restart baton, or baton reexec); until then it goes on with the values it started with";
    }

    private static List<String> changed(String section, Record running, Record next) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent c : running.getClass().getRecordComponents()) {
            try {
                if (!Objects.equals(c.getAccessor().invoke(running), c.getAccessor().invoke(next))) {
                    keys.add(section + "." + snakeCase(c.getName()));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return keys;
    }

    private static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
