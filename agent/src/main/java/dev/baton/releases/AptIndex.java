package dev.baton.releases;

import dev.baton.handover.Version;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a Debian repository's {@code Packages} index (deb822 stanzas separated by blank lines) and
 * returns the newest version of the group's package. Streamed: the index is never held in memory,
 * only the current line (cut at {@link #MAX_LINE} bytes: a Description line can be long, and the
 * two fields read here are short). Stanzas whose version is not x.y.z-like are skipped.
 */
final class AptIndex {
    /** Longest line kept; {@code Package:} and {@code Version:} lines are far shorter. */
    static final int MAX_LINE = 4096;

    private AptIndex() {
    }

    /** The newest version of a matching package, or null when the index has none. */
    static Version newest(InputStream raw, ReleaseSource source) throws IOException {
        InputStream in = new BufferedInputStream(raw, 64 * 1024); // read() per byte below
        Version newest = null;
        String pkg = null;
        String version = null;
        byte[] line = new byte[MAX_LINE];
        while (true) {
            int len = readLine(in, line);
            if (len < 0 || len == 0) { // end of a stanza (blank line) or of the index
                Version v = pkg != null && version != null && source.matchesPackage(pkg) ? debianToSemver(version) : null;
                if (v != null && (source.preReleases() || v.preRelease() == null)
                        && (newest == null || v.isNewerThan(newest))) {
                    newest = v;
                }
                pkg = null;
                version = null;
                if (len < 0) {
                    return newest;
                }
                continue;
            }
            String text = new String(line, 0, len, StandardCharsets.UTF_8);
            String value = field(text, "Package");
            if (value != null) {
                pkg = value;
            }
            value = field(text, "Version");
            if (value != null) {
                version = value;
            }
        }
    }

    /** Field names are case-insensitive (Debian policy 5.1); continuation lines start with a blank. */
    private static String field(String line, String name) {
        return line.length() > name.length() && line.regionMatches(true, 0, name, 0, name.length())
                && line.charAt(name.length()) == ':' ? line.substring(name.length() + 1).strip() : null;
    }

    /**
     * {@code [epoch:]upstream[-revision]} to a semantic version: the epoch and the Debian revision
     * go, a {@code ~} (Debian's "sorts before") becomes a pre-release. Null when it is not x.y.z-like.
     */
    static Version debianToSemver(String debian) {
        String v = debian.strip();
        int colon = v.indexOf(':');
        if (colon >= 0 && v.substring(0, colon).chars().allMatch(Character::isDigit)) {
            v = v.substring(colon + 1);
        }
        int tilde = v.indexOf('~');
        String pre = null;
        if (tilde >= 0) {
            pre = v.substring(tilde + 1);
            v = v.substring(0, tilde);
            int dash = pre.lastIndexOf('-');
            pre = dash >= 0 ? pre.substring(0, dash) : pre;
        } else {
            int dash = v.lastIndexOf('-');
            v = dash > 0 ? v.substring(0, dash) : v;
        }
        String semver = pre == null || pre.isEmpty() ? v : v + "-" + pre.replace('~', '.').replace('+', '.');
        return ReleaseVersions.parse(semver);
    }

    /** One line without its newline, cut at the buffer's size; -1 at the end of the stream. */
    private static int readLine(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        int b = in.read();
        if (b < 0) {
            return -1;
        }
        while (b >= 0 && b != '\n') {
            if (len < buf.length) {
                buf[len++] = (byte) b;
            }
            b = in.read();
        }
        return len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
    }
}
