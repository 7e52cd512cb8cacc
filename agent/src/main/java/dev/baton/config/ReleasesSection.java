package dev.baton.config;

import dev.baton.releases.ReleaseSource;
import dev.baton.releases.ReleaseSource.Format;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code [groups.NAME.releases]}: where the group's engine releases are published (an apt
 * repository's Packages index, or a JSON release feed), polled by {@link dev.baton.releases.ReleasePoller}.
 */
final class ReleasesSection {
    static final Set<String> KEYS = Set.of("apt_index", "package", "json_feed", "interval", "timeout", "pre_releases");

    private ReleasesSection() {
    }

    /** The source, or null when the group names none (or it is invalid: the problem is recorded). */
    static ReleaseSource read(ConfigNode group) {
        if (!group.has("releases")) {
            return null;
        }
        ConfigNode node = group.table("releases");
        node.rejectUnknownKeys(KEYS);
        URI apt = url(node, "apt_index");
        URI feed = url(node, "json_feed");
        String pkg = node.string("package", null);
        Duration interval = node.duration("interval", Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(1));
        Duration timeout = node.duration("timeout", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(5));
        boolean preReleases = node.bool("pre_releases", false);
        if (apt != null && feed != null) {
            node.problem("json_feed", "set apt_index or json_feed, not both: a group's releases come from one place");
            return null;
        }
        if (apt == null && feed == null) {
            if (!node.has("apt_index") && !node.has("json_feed")) {
                node.problem("no source: set apt_index = \"https://.../Packages\" with package = \"NAME\", "
                        + "or json_feed = \"https://api.github.com/repos/OWNER/REPO/releases\"");
            }
            return null;
        }
        if (apt != null && (pkg == null || !validPackage(pkg))) {
            if (pkg == null) {
                node.problem("apt_index needs package = \"NAME\" (the Debian package of the engine; a trailing * "
                        + "matches a prefix, e.g. \"chainflip-engine*\")");
            } else {
                node.problem("package", "expected a Debian package name (lower case letters, digits, + - .), "
                        + "optionally ending in *, got \"" + pkg + "\"");
            }
            return null;
        }
        if (feed != null && pkg != null) {
            node.problem("package", "package only applies to apt_index: a JSON feed lists one program's releases; remove it");
            return null;
        }
        return apt != null ? new ReleaseSource(Format.APT_INDEX, apt, pkg, interval, timeout, preReleases)
                : new ReleaseSource(Format.JSON_FEED, feed, null, interval, timeout, preReleases);
    }

    private static URI url(ConfigNode node, String key) {
        String text = node.string(key, null);
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                node.problem(key, "expected an http:// or https:// URL with a host, got \"" + text + "\"");
                return null;
            }
            if (uri.getRawUserInfo() != null) {
                // It would be shown in the API, the metrics and the log: credentials do not belong there.
                node.problem(key, "a URL with a user or password is refused (it would appear in the API and the log)");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            node.problem(key, "not a URL: " + e.getReason() + " (\"" + text + "\")");
            return null;
        }
    }

    private static boolean validPackage(String name) {
        return name.matches("[a-z0-9][a-z0-9+.-]{0,99}\\*?");
    }
}
