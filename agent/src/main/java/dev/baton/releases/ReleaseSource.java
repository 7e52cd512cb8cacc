package dev.baton.releases;

import java.net.URI;
import java.time.Duration;

/**
 * Where a group's releases are published, as configured in {@code [groups.NAME.releases]}.
 *
 * @param format      how the document at {@code url} is read
 * @param url         http or https only
 * @param packageName for an apt index: the package, or a prefix ending in {@code *} (Chainflip names
 *                    its packages {@code chainflip-engine1.1}, {@code chainflip-engine1.2}...); null for a feed
 * @param interval    time between two successful polls
 * @param timeout     bound on one whole poll: connect, headers and body
 * @param preReleases whether pre-releases (1.2.0-rc.1, a feed's {@code prerelease: true}) count
 */
public record ReleaseSource(Format format, URI url, String packageName, Duration interval, Duration timeout,
                            boolean preReleases) {

    public enum Format {
        /** A Debian repository's {@code Packages} (or {@code Packages.gz}) index. */
        APT_INDEX,
        /** A JSON array of releases ({@code tag_name} or {@code version} each), GitHub's releases API among them. */
        JSON_FEED
    }

    /** For messages and the API: {@code apt https://... (chainflip-engine*)} or {@code json https://...}. */
    public String describe() {
        return format == Format.APT_INDEX ? "apt " + url + " (" + packageName + ")" : "json " + url;
    }

    /** Whether an apt package of this name is one of the group's. */
    boolean matchesPackage(String name) {
        return packageName.endsWith("*")
                ? name.startsWith(packageName.substring(0, packageName.length() - 1))
                : name.equals(packageName);
    }
}
