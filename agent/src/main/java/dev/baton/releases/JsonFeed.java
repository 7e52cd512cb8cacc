package dev.baton.releases;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.handover.Version;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads a JSON release feed: an array of releases (GitHub's {@code /repos/OWNER/REPO/releases}), or
 * an object with such an array under {@code releases}. Each release names its version in
 * {@code tag_name} or {@code version} ({@code v1.2.0} is read as 1.2.0); drafts are skipped, and so
 * are pre-releases ({@code prerelease: true} or a version such as 1.2.0-rc.1) unless asked for.
 */
final class JsonFeed {
    /** Deeper than any feed; the default (1000) lets a hostile document cost more stack than needed. */
    private static final int MAX_DEPTH = 32;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build());

    private JsonFeed() {
    }

    /**
     * @return the newest version, or null when the feed lists none
     * @throws FeedException when the document is not a feed
     */
    static Version newest(byte[] body, ReleaseSource source) throws FeedException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new FeedException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FeedException("unreadable: " + e.getMessage());
        }
        JsonNode releases = root != null && root.isObject() ? root.get("releases") : root;
        if (releases == null || !releases.isArray()) {
            throw new FeedException("expected a JSON array of releases (or {\"releases\": [...]}), got "
                    + (root == null ? "nothing" : root.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        Version newest = null;
        for (JsonNode release : releases) {
            Version v = versionOf(release, source.preReleases());
            if (v != null && (newest == null || v.isNewerThan(newest))) {
                newest = v;
            }
        }
        return newest;
    }

    private static Version versionOf(JsonNode release, boolean preReleases) {
        if (!release.isObject() || release.path("draft").asBoolean(false)
                || (!preReleases && release.path("prerelease").asBoolean(false))) {
            return null;
        }
        JsonNode tag = release.hasNonNull("tag_name") ? release.get("tag_name") : release.get("version");
        Version v = tag != null && tag.isTextual() ? ReleaseVersions.parse(tag.textValue()) : null;
        return v == null || (!preReleases && v.preRelease() != null) ? null : v;
    }
}
