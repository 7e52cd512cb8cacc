package dev.baton.config;

import java.time.Duration;
import java.util.Set;

/** Reads a program's {@code backoff} table. */
final class BackoffSection {
    static final Set<String> KEYS = Set.of("initial", "max", "multiplier", "jitter", "reset_after");

    private BackoffSection() {
    }

    static Backoff read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        Backoff d = Backoff.DEFAULT;
        Duration initial = node.duration("initial", d.initial(), Duration.ZERO, Limits.MAX_DURATION);
        Duration max = node.duration("max", d.max(), Duration.ZERO, Limits.MAX_DURATION);
        if (max.compareTo(initial) < 0) {
            node.problem(node.has("max") ? "max" : "initial", "the longest delay (max = " + TomlSyntax.string(Durations.format(max))
                    + ") is shorter than the first one (initial = " + TomlSyntax.string(Durations.format(initial))
                    + "): raise max or lower initial");
        }
        return new Backoff(initial, max,
                node.number("multiplier", d.multiplier(), 1.0, 100.0),
                node.number("jitter", d.jitter(), 0.0, 1.0),
                node.duration("reset_after", d.resetAfter(), Duration.ZERO, Limits.MAX_DURATION));
    }
}
