package dev.baton.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.Backoff;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {
    private static final Backoff B = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.0, Duration.ofSeconds(60));

    @Test
    void growsExponentiallyUpToTheCap() {
        RestartBackoff backoff = new RestartBackoff(() -> 0.5);
        long[] expected = {1, 2, 4, 8, 16, 32, 60, 60};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Duration.ofSeconds(expected[i]), backoff.delay(B, i), "attempt " + i);
        }
        assertEquals(Duration.ofSeconds(60), backoff.delay(B, 10_000), "no overflow after a long crash loop");
    }

    @Test
    void jitterSpreadsWithinItsBoundsAndNeverPassesTheCap() {
        Backoff jittery = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(60), 2.0, 0.2, Duration.ofSeconds(60));
        Random random = new Random(42);
        RestartBackoff backoff = new RestartBackoff(random::nextDouble);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long ms = backoff.delay(jittery, 0).toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
            assertTrue(backoff.delay(jittery, 20).toMillis() <= 60_000);
        }
        assertTrue(min >= 8_000 && min < 8_200, "lower end near -20%: " + min);
        assertTrue(max <= 12_000 && max > 11_800, "upper end near +20%: " + max);
    }

    @Test
    void aZeroInitialDelayRestartsAtOnce() {
        Backoff none = new Backoff(Duration.ZERO, Duration.ZERO, 2.0, 0.5, Duration.ofSeconds(1));
        assertEquals(Duration.ZERO, new RestartBackoff(() -> 0.9).delay(none, 5));
    }
}
