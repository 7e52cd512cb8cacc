package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reading layer as a later section (engine groups, profiles, cluster) would use it. */
class ConfigNodeTest {
    static final Path FILE = Path.of("/etc/baton/baton.toml");
    final Problems problems = new Problems();

    ConfigNode root(String toml) throws Exception {
        return ConfigNode.root((ObjectNode) new TomlMapper().readTree(toml), FILE, KeyLocator.of(toml), problems);
    }

    List<String> messages() {
        return problems.list().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void gettersCollectProblemsAndFallBackToTheDefault() throws Exception {
        ConfigNode group = root("""
                [groups.chainflip]
                timeout = "soon"
                retries = 7
                names = ["a", 2]
                """).table("groups").table("chainflip");
        assertEquals(Duration.ofSeconds(5), group.duration("timeout", Duration.ofSeconds(5), Duration.ZERO, Duration.ofHours(1)));
        assertEquals(3, group.integer("retries", 3, 0, 5));
        assertEquals(List.of(), group.stringList("names", List.of()));
        assertEquals("x", group.string("missing", "x"));
        group.rejectUnknownKeys(Set.of("timeout", "retries", "name"));
        assertEquals(List.of(
                "/etc/baton/baton.toml:2: groups.chainflip.timeout: expected a duration such as \"10s\" or \"500ms\", got \"soon\"",
                "/etc/baton/baton.toml:3: groups.chainflip.retries: expected an integer from 0 to 5, got 7",
                "/etc/baton/baton.toml:4: groups.chainflip.names: item 2: expected a string, got 2",
                "/etc/baton/baton.toml:4: groups.chainflip.names: unknown key 'names' in [groups.chainflip]; did you mean 'name'?"),
                messages());
    }

    @Test
    void arraysOfTablesHaveIndexedPathsAndLines() throws Exception {
        List<ConfigNode> profiles = root("""
                [[profiles]]
                name = "a"

                [[profiles]]
                name = 5
                [profiles.match]
                text = 1
                """).tables("profiles");
        assertEquals(2, profiles.size());
        assertEquals("profiles[1]", profiles.get(1).path());
        assertEquals(new Origin(FILE, 4), profiles.get(1).origin());
        profiles.get(1).string("name", null);
        profiles.get(1).table("match").string("text", null);
        assertEquals(List.of("/etc/baton/baton.toml:5: profiles[1].name: expected a string, got 5",
                "/etc/baton/baton.toml:7: profiles[1].match.text: expected a string, got 1"), messages());
    }

    @Test
    void namedTablesKeepDocumentOrderAndReportNonTables() throws Exception {
        Map<String, ConfigNode> groups = root("[groups.b]\n[groups.a]\n[groups]\nc = 1\n").table("groups").namedTables();
        assertEquals(List.of("b", "a"), List.copyOf(groups.keySet()));
        assertEquals(List.of("/etc/baton/baton.toml:4: groups.c: expected a table [groups.c], got 1"), messages());
    }

    @Test
    void fallbackValuesAreReportedWhereTheyAreSet() throws Exception {
        ConfigNode root = root("""
                [defaults]
                timeout = "bad"
                env = { A = "1", B = "2" }
                [programs.x]
                env = { B = "3" }
                """);
        ConfigNode x = root.table("programs").table("x").withFallback(root.table("defaults"));
        assertEquals(Map.of("A", "1", "B", "3"), x.stringMap("env", name -> true, "a name"));
        x.duration("timeout", Duration.ZERO, Duration.ZERO, Duration.ofHours(1));
        assertEquals(List.of("/etc/baton/baton.toml:2: defaults.timeout: expected a duration such as \"10s\" or \"500ms\", got \"bad\""),
                messages());
        assertTrue(x.has("timeout"));
        JsonNode raw = x.value("timeout");
        assertEquals("bad", raw.textValue());
    }

    @Test
    void convertedReportsTheConvertersMessage() throws Exception {
        ConfigNode node = root("mode = \"loud\"\n");
        String mode = node.converted("mode", "quiet", value -> {
            throw new IllegalArgumentException("expected quiet or silent, got " + ConfigNode.describe(value));
        });
        assertEquals("quiet", mode);
        assertEquals(List.of("/etc/baton/baton.toml:1: mode: expected quiet or silent, got \"loud\""), messages());
    }
}
