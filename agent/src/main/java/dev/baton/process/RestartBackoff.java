package dev.baton.process;

import dev.baton.config.Backoff;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delay before the n-th consecutive automatic restart: exponential with a cap and jitter, so a
 * crash-looping program costs little and many programs do not restart in lock step.
 */
public final class RestartBackoff {
    private final DoubleSupplier random;

    /** @param random uniform in [0, 1) */
    public RestartBackoff(DoubleSupplier random) {
        this.random = random;
    }

    /** @param attempt 0 for the first restart after a stable run, 1 for the next, ... */
    public Duration delay(Backoff b, int attempt) {
        double base = b.initial().toNanos() * Math.pow(b.multiplier(), Math.min(attempt, 64));
        double capped = Math.min(base, b.max().toNanos());
        double spread = capped * b.jitter() * (2 * random.getAsDouble() - 1);
        long nanos = (long) Math.max(0, Math.min(capped + spread, b.max().toNanos()));
        return Duration.ofNanos(nanos);
    }
}
