package dev.baton.config.supervisord;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The names one %-expansion may use (supervisord offers different names to different keys, see
 * {@link ProgramReader}), and which {@code ENV_} names a file defined itself: those are exact, the
 * others were taken from the environment the import runs in.
 */
final class Vars {
    final Map<String, Object> values = new HashMap<>();
    final Set<String> definedByFile = new HashSet<>();

    Vars copy() {
        Vars v = new Vars();
        v.values.putAll(values);
        v.definedByFile.addAll(definedByFile);
        return v;
    }

    Vars put(String name, Object value) {
        values.put(name, value);
        return this;
    }

    /** The environment the import runs in, as {@code ENV_X}. */
    Vars importEnvironment(Map<String, String> env) {
        env.forEach((k, v) -> values.put("ENV_" + k, v));
        return this;
    }

    /** Variables an {@code environment=} of the file defines, as {@code ENV_X}: they win over the import's. */
    Vars fileEnvironment(Map<String, String> env) {
        env.forEach((k, v) -> {
            values.put("ENV_" + k, v);
            definedByFile.add(k);
        });
        return this;
    }
}
