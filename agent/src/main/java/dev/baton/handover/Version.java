package dev.baton.handover;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version {@code MAJOR.MINOR.PATCH[-PRE][+BUILD]}, ordered by semver precedence.
 * Parsing is lenient where engines are: a leading {@code v} and missing minor or patch parts
 * ({@code 1.1}, {@code v2}) are accepted and read as zero.
 *
 * <p>{@link #compareTo} is semver precedence (the build part is ignored); {@link #equals} compares
 * every part, build included.
 */
public record Version(int major, int minor, int patch, String preRelease, String build) implements Comparable<Version> {

    // Nine digits at most per number: no overflow, and no version a real engine prints is longer.
    private static final Pattern SYNTAX = Pattern.compile(
            "[vV]?(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\.(\\d{1,9}))?"
                    + "(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?");

    public Version {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers must not be negative");
        }
        preRelease = preRelease == null || preRelease.isEmpty() ? null : preRelease;
        build = build == null || build.isEmpty() ? null : build;
    }

    public static Version of(int major, int minor, int patch) {
        return new Version(major, minor, patch, null, null);
    }

    /**
     * @throws IllegalArgumentException when the text is not a version
     */
    @JsonCreator
    public static Version parse(String text) {
        Version v = tryParse(text);
        if (v == null) {
            throw new IllegalArgumentException("not a version: '" + text + "' (expected e.g. 1.1.0, v1.1 or 1.2.0-rc.1)");
        }
        return v;
    }

    /** The version, or null when the text is not one. */
    public static Version tryParse(CharSequence text) {
        if (text == null || text.length() == 0 || text.length() > 128) {
            return null;
        }
        Matcher m = SYNTAX.matcher(text.toString().trim());
        if (!m.matches()) {
            return null;
        }
        return new Version(Integer.parseInt(m.group(1)), number(m.group(2)), number(m.group(3)), m.group(4), m.group(5));
    }

    private static int number(String digits) {
        return digits == null ? 0 : Integer.parseInt(digits);
    }

    public boolean isNewerThan(Version other) {
        return compareTo(other) > 0;
    }

    public boolean isOlderThan(Version other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Version o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Integer.compare(patch, o.patch);
        }
        return c != 0 ? c : comparePreRelease(preRelease, o.preRelease);
    }

    /** Semver rule 11: a release ranks above its pre-releases; identifiers compare left to right. */
    private static int comparePreRelease(String a, String b) {
        if (Objects.equals(a, b)) {
            return 0;
        }
        if (a == null) {
            return 1;
        }
        if (b == null) {
            return -1;
        }
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = compareIdentifier(x[i], y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static int compareIdentifier(String a, String b) {
        boolean numA = isNumeric(a);
        boolean numB = isNumeric(b);
        if (numA && numB) {
            // Compare as numbers without parsing: strip leading zeros, then length, then text.
            String sa = a.replaceFirst("^0+(?=.)", "");
            String sb = b.replaceFirst("^0+(?=.)", "");
            return sa.length() != sb.length() ? Integer.compare(sa.length(), sb.length()) : sa.compareTo(sb);
        }
        if (numA != numB) {
            return numA ? -1 : 1; // numeric identifiers rank below alphanumeric ones
        }
        return a.compareTo(b);
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    @JsonValue
    @Override
    public String toString() {
        String s = major + "." + minor + "." + patch;
        if (preRelease != null) {
            s += "-" + preRelease;
        }
        return build == null ? s : s + "+" + build;
    }
}
