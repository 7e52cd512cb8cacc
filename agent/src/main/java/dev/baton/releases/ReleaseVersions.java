package dev.baton.releases;

import dev.baton.handover.Version;
import java.util.regex.Pattern;

/** Which published names count as release versions. */
final class ReleaseVersions {
    /**
     * At least MAJOR.MINOR: {@link Version} alone also takes "v2" or "20240611" (engines print such
     * short forms), but a tag or package version of one bare number is a date or a build, not a release.
     */
    private static final Pattern DOTTED = Pattern.compile("[vV]?\\d{1,9}\\.\\d.*");

    private ReleaseVersions() {
    }

    /** The release version the text names, or null. */
    static Version parse(String text) {
        return text != null && DOTTED.matcher(text).matches() ? Version.tryParse(text) : null;
    }
}
