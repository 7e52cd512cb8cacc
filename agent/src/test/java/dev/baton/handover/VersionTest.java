package dev.baton.handover;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VersionTest {

    @ParameterizedTest
    @CsvSource({
            "1.1.0, 1.1.0",
            "v1.1.0, 1.1.0",
            "V2.0.1, 2.0.1",
            "1.1, 1.1.0",
            "v2, 2.0.0",
            "' 1.4.2 ', 1.4.2",
            "1.2.0-rc.1, 1.2.0-rc.1",
            "1.2.0+sim, 1.2.0+sim",
            "1.2.0-beta.2+exp.sha.5114f85, 1.2.0-beta.2+exp.sha.5114f85",
            "1.2-rc1, 1.2.0-rc1",
    })
    void parsesLeniently(String text, String canonical) {
        assertEquals(canonical, Version.parse(text).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "1.", "1..2", "1.2.3.4", "1.2.3-", "1.2.3+", "-1.0.0", "1.0.0-a..b", "1234567890.0.0",
            "vv1", "1.0.0 extra", "SemVer { major: 1 }"})
    void rejectsWhatIsNotAVersion(String text) {
        assertNull(Version.tryParse(text));
        assertThrows(IllegalArgumentException.class, () -> Version.parse(text));
    }

    @Test
    void ordersBySemverPrecedence() {
        List<String> ordered = List.of("0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.0.10", "1.1.0", "1.10.0", "2.0.0");
        List<Version> shuffled = new ArrayList<>(ordered.stream().map(Version::parse).toList());
        Collections.shuffle(shuffled, new java.util.Random(7));
        Collections.sort(shuffled);
        assertEquals(ordered, shuffled.stream().map(Version::toString).toList());
    }

    @Test
    void buildMetadataDoesNotChangePrecedence() {
        assertEquals(0, Version.parse("1.1.0+a").compareTo(Version.parse("1.1.0+b")));
        assertEquals(0, Version.parse("1.1").compareTo(Version.parse("v1.1.0")));
    }

    @ParameterizedTest
    @CsvSource({
            // compatibility, engine, release, compatible
            "major-minor, 1.1.0, 1.1.7, true",
            "major-minor, 1.1.7, 1.1.0, true",
            "major-minor, 1.0.3, 1.1.0, false",
            "major-minor, 1.2.0, 1.1.0, false",
            "major-minor, 2.1.0, 1.1.0, false",
            "major-minor, 1.1.0-rc.1, 1.1.0, true",
            "major, 2.0.0, 2.9.1, true",
            "major, 2.0.0, 3.0.0, false",
            "exact, 1.1.0, 1.1.0+build, true",
            "exact, 1.1.0, 1.1.1, false",
    })
    void compatibilityRules(String rule, String engine, String release, boolean compatible) {
        Compatibility c = Compatibility.fromConfig(rule);
        assertEquals(compatible, c.compatible(Version.parse(engine), Version.parse(release)));
    }

    @Test
    void compatibilityNames() {
        assertEquals(Compatibility.MAJOR_MINOR, Compatibility.fromConfig("MAJOR_MINOR"));
        assertNull(Compatibility.fromConfig("minor"));
    }
}
