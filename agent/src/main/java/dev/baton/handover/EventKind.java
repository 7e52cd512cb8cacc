package dev.baton.handover;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a recognised line says about its engine. Each kind lists the regex groups a rule of that kind
 * must define ({@code own}, {@code release}; a start line names its version {@code version} or
 * {@code own}). The optional group {@code next} names a newer version a runner carries.
 */
public enum EventKind {
    /** The engine is not compatible with the release and waits ({@code own} vs {@code release} tells new from old). */
    WAITING(List.of(Set.of("own"), Set.of("release"))),
    /** A working engine met a release it cannot run with; {@code own} may be left out (the known version is used). */
    NO_LONGER_COMPATIBLE(List.of(Set.of("release"))),
    /** The engine is working (optional {@code own}). */
    ACTIVE(List.of()),
    /** The engine waits for its node to sync. */
    SYNCING(List.of()),
    /** A start line naming the version the process now runs ({@code version} or {@code own}). */
    STARTED(List.of(Set.of("version", "own"))),
    /** The engine says it is exiting. */
    EXITING(List.of()),
    /** The engine must not be restarted (it needs an update): baton holds restarts and raises an error. */
    DO_NOT_RESTART(List.of()),
    /**
     * The chain halted for an upgrade this binary does not carry (x/upgrade's {@code UPGRADE "NAME" NEEDED
     * at height: H}): in a sequential group the next version takes over once this process has exited.
     */
    UPGRADE_NEEDED(List.of());

    /** Each inner set: at least one of these group names must be present. */
    private final List<Set<String>> requiredGroups;

    EventKind(List<Set<String>> requiredGroups) {
        this.requiredGroups = requiredGroups;
    }

    public List<Set<String>> requiredGroups() {
        return requiredGroups;
    }

    /** The name used in config: {@code no_longer_compatible}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Accepts {@code no_longer_compatible}, {@code no-longer-compatible} in any case; null when unknown. */
    public static EventKind fromConfig(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (EventKind k : values()) {
            if (k.name().equals(n)) {
                return k;
            }
        }
        return null;
    }

    public static String validNames() {
        return Arrays.stream(values()).map(k -> "\"" + k.configName() + "\"").collect(Collectors.joining(", "));
    }
}
