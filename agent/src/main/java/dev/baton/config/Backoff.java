package dev.baton.config;

import java.time.Duration;

/**
 * Exponential restart backoff: the n-th consecutive restart waits
 * {@code min(max, initial * multiplier^n)}, spread by +/- {@code jitter} (a fraction, 0..1).
 * The count resets once a process has stayed up for {@code resetAfter}.
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter, Duration resetAfter) {
    public static final Backoff DEFAULT =
            new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2, Duration.ofSeconds(60));
}
