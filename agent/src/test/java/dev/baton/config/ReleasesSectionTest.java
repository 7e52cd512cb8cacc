package dev.baton.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.baton.releases.ReleaseSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code [groups.NAME.releases]} as the poller gets it (the refusals: BadConfigTest). */
class ReleasesSectionTest {
    private static final String ENGINE = "[programs.cfe]\ncommand = [\"/usr/bin/cfe\"]\nengine_group = \"chainflip\"\n";

    @Test
    void anAptIndexWithItsDefaultsAndAFeedWithItsOwnTiming() throws ConfigException {
        BatonConfig apt = ConfigLoader.parse(ENGINE + "[groups.chainflip]\nreleases = { apt_index = "
                + "\"https://apt.example.org/dists/bookworm/main/binary-amd64/Packages.gz\", package = \"chainflip-engine*\" }\n",
                Path.of("/etc/baton/baton.toml"));
        assertEquals(new ReleaseSource(ReleaseSource.Format.APT_INDEX,
                URI.create("https://apt.example.org/dists/bookworm/main/binary-amd64/Packages.gz"), "chainflip-engine*",
                Duration.ofHours(1), Duration.ofSeconds(30), false), apt.groups().get("chainflip").releases());

        BatonConfig feed = ConfigLoader.parse(ENGINE + "[groups.chainflip.releases]\n"
                + "json_feed = \"https://api.github.com/repos/chainflip-io/chainflip-backend/releases\"\n"
                + "interval = \"2h\"\ntimeout = \"10s\"\npre_releases = true\n", Path.of("/etc/baton/baton.toml"));
        ReleaseSource s = feed.groups().get("chainflip").releases();
        assertEquals(ReleaseSource.Format.JSON_FEED, s.format());
        assertEquals(Duration.ofHours(2), s.interval());
        assertEquals(Duration.ofSeconds(10), s.timeout());
        assertEquals(true, s.preReleases());
        assertNull(s.packageName());
        assertEquals("json https://api.github.com/repos/chainflip-io/chainflip-backend/releases", s.describe());

        assertNull(ConfigLoader.parse(ENGINE, Path.of("/etc/baton/baton.toml")).groups().get("chainflip").releases());
    }
}
