package dev.baton.cluster;

import java.time.Duration;
import java.util.List;

/**
 * Warm standby ({@code [programs.NAME.exclusive.identity]}): the program runs on every host, and the
 * lock makes its <em>identity</em> exclusive. Taking the lock runs {@code acquire} (e.g. a tower-file
 * copy, then {@code agave-validator set-identity}); giving it up runs {@code release}, which must
 * leave the program passive. Each must exit 0 within {@code timeout}.
 *
 * @param acquire        makes the identity live here; runs only after {@code verifyReleased} passed
 * @param release        makes it passive again; when it fails or times out the program is stopped
 * @param verifyReleased optional: run by the new holder before {@code acquire}, exits 0 once the previous
 *                       holder is passive (retried within {@code failover_timeout}); null for none
 * @param timeout        the longest one hook may take before it is killed and counts as failed
 */
public record IdentityHooks(List<String> acquire, List<String> release, List<String> verifyReleased, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public IdentityHooks {
        acquire = acquire == null ? null : List.copyOf(acquire);
        release = release == null ? null : List.copyOf(release);
        verifyReleased = verifyReleased == null ? null : List.copyOf(verifyReleased);
    }
}
