package dev.baton.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The top-level sections of a config file and where each may appear: the one list to extend when
 * a section is added (then read it in {@link ConfigAssembler}).
 */
enum Section {
    AGENT("agent", Scope.MAIN_FILE),
    API("api", Scope.MAIN_FILE),
    DEFAULTS("defaults", Scope.MAIN_FILE),
    PROGRAMS("programs", Scope.ANY_FILE),
    GROUPS("groups", Scope.ANY_FILE),
    PROFILES("profiles", Scope.ANY_FILE),
    CLUSTER("cluster", Scope.MAIN_FILE);

    enum Scope {
        MAIN_FILE, ANY_FILE, NOT_YET
    }

    final String key;
    final Scope scope;

    Section(String key, Scope scope) {
        this.key = key;
        this.scope = scope;
    }

    static Optional<Section> byKey(String key) {
        return Arrays.stream(values()).filter(s -> s.key.equals(key)).findFirst();
    }

    static Set<String> supportedKeys() {
        return Arrays.stream(values()).filter(s -> s.scope != Scope.NOT_YET).map(s -> s.key).collect(Collectors.toSet());
    }
}
