package dev.baton.config;

import java.time.Duration;

/** Bounds shared by several keys: generous for real use, small enough that no arithmetic on them overflows. */
final class Limits {
    static final Duration MAX_DURATION = Duration.ofHours(24);
    static final long KIB = 1024, MIB = 1024 * KIB, GIB = 1024 * MIB, TIB = 1024 * GIB;

    private Limits() {
    }
}
