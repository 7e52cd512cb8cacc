package dev.baton.handover;

import java.util.Locale;

/**
 * How the engines of a group take over from each other: the {@code handover} key of a profile.
 */
public enum HandoverModel {
    /**
     * Versions run side by side (Chainflip's two binaries): the new one waits while the old one works,
     * and the old one is idled once the new one is ready.
     */
    SIDE_BY_SIDE,
    /**
     * One version runs at a time (the cosmovisor model): the new binary cannot run before the upgrade,
     * so it is started only after the old one said the upgrade is needed and has exited.
     */
    SEQUENTIAL;

    /** The name used in config: {@code side-by-side}, {@code sequential}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Accepts {@code side-by-side}, {@code side_by_side}, {@code sequential} in any case; null when unknown. */
    public static HandoverModel fromConfig(String text) {
        String n = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (HandoverModel m : values()) {
            if (m.name().equals(n)) {
                return m;
            }
        }
        return null;
    }
}
