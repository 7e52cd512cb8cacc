package dev.baton.releases;

import dev.baton.handover.Version;
import java.time.Instant;

/**
 * What a group's release source said last, as the API and metrics show it.
 *
 * @param source    the source, described ({@link ReleaseSource#describe()})
 * @param newest    the newest published version as last read successfully; null until one poll succeeded
 * @param checkedAt when a poll last succeeded; null until one did
 * @param problem   why the last poll failed, in plain words; null when it succeeded
 * @param failures  polls failed in a row (0 after a success): the backoff follows it
 */
public record PublishedRelease(String source, Version newest, Instant checkedAt, String problem, int failures) {

    static PublishedRelease notYetPolled(ReleaseSource source) {
        return new PublishedRelease(source.describe(), null, null, null, 0);
    }

    PublishedRelease succeeded(Version found, Instant now) {
        return new PublishedRelease(source, found, now, null, 0);
    }

    /** A failure keeps the last version read: a feed that is down says nothing about releases. */
    PublishedRelease failed(String why) {
        return new PublishedRelease(source, newest, checkedAt, why, failures + 1);
    }

    /** An engine of {@code version} (or newer) is an engine of the newest published release. */
    public boolean coveredBy(String version) {
        Version v = version == null ? null : Version.tryParse(version);
        return newest != null && v != null && v.compareTo(newest) >= 0;
    }
}
