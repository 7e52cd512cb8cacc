package dev.baton.handover;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** When an engine version can run with a chain release: one rule per profile. */
public enum Compatibility {
    /** Chainflip's rule: equal major and minor (1.1.0 runs with release 1.1.7, not with 1.2.0). */
    MAJOR_MINOR("major-minor"),
    /** Equal major version. */
    MAJOR("major"),
    /** The same version by semver precedence (build metadata ignored). */
    EXACT("exact");

    private final String configName;

    Compatibility(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public boolean compatible(Version engine, Version release) {
        switch (this) {
            case MAJOR_MINOR:
                return engine.major() == release.major() && engine.minor() == release.minor();
            case MAJOR:
                return engine.major() == release.major();
            default:
                return engine.compareTo(release) == 0;
        }
    }

    /** Parses the config name ({@code major-minor}, {@code major}, {@code exact}); null when unknown. */
    public static Compatibility fromConfig(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Compatibility c : values()) {
            if (c.configName.equals(n)) {
                return c;
            }
        }
        return null;
    }

    public static String validNames() {
        return Arrays.stream(values()).map(c -> "\"" + c.configName + "\"").collect(Collectors.joining(", "));
    }
}
