package dev.baton.handover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class ProfileReaderTest {

    /** A Cosmos-style profile, also used by the agent-level handover test. */
    public static final String COSMOS_TOML = """
            [profiles.cosmos]
            compatibility = "major"
            description = "a Cosmos SDK chain under an upgrade plan"

            [[profiles.cosmos.rules]]
            event = "no_longer_compatible"
            contains = ["NEEDED at height"]
            regex = 'UPGRADE "(?<release>[^"]+)" NEEDED at height: \\d+'

            [[profiles.cosmos.rules]]
            event = "waiting"
            contains = ["waiting for upgrade"]
            regex = 'binary (?<own>\\S+) waiting for upgrade; chain runs (?<release>\\S+)'

            [[profiles.cosmos.rules]]
            event = "active"
            contains = ["committed state"]
            regex = 'committed state'
            """;

    private static final TomlMapper TOML = new TomlMapper();

    static JsonNode profileNode(String toml, String name) throws Exception {
        return TOML.readTree(toml).path("profiles").path(name);
    }

    private static List<String> problems(String toml) throws Exception {
        return ProfileReader.read("x", profileNode(toml, "x")).problems().stream().map(ProfileProblem::toString).toList();
    }

    @Test
    void builtInChainflipProfile() {
        Profile p = ProfileReader.builtIn("chainflip").orElseThrow();
        assertEquals(Compatibility.MAJOR_MINOR, p.compatibility());
        assertEquals(14, p.rules().size());
        assertTrue(ProfileReader.builtIn("solana").isEmpty());
    }

    @Test
    void customProfileFromToml() throws Exception {
        ProfileReader.Result r = ProfileReader.read("cosmos", profileNode(COSMOS_TOML, "cosmos"));
        assertTrue(r.ok(), r.problems()::toString);
        Profile p = r.profile();
        assertEquals(Compatibility.MAJOR, p.compatibility());
        LineRecognizer rec = new LineRecognizer(p);
        Recognition upgrade = rec.recognize("ERR UPGRADE \"v2\" NEEDED at height: 123: {\"binaries\":{}} module=x/upgrade");
        assertEquals(new Recognition(EventKind.NO_LONGER_COMPATIBLE, null, Version.parse("2"),
                "ERR UPGRADE \"v2\" NEEDED at height: 123: {\"binaries\":{}} module=x/upgrade"), upgrade);
        // The same message inside a JSON log line: its quotes are escaped in the raw bytes.
        Recognition json = rec.recognize("{\"level\":\"error\",\"message\":\"UPGRADE \\\"v3.1\\\" NEEDED at height: 9\"}");
        assertEquals(Version.parse("3.1"), json.release());
        assertNull(rec.recognize("UPGRADE v2 NEEDED"));
    }

    @Test
    void reportsEveryProblemWithItsKeyPath() throws Exception {
        List<String> p = problems("""
                [profiles.x]
                compatibility = "minor"
                colour = "red"
                [[profiles.x.rules]]
                event = "waiting"
                contains = ["incompatible"]
                regex = 'incompatible (?<own>\\S+)'
                [[profiles.x.rules]]
                event = "upgraded"
                contains = ["x"]
                regex = 'x'
                [[profiles.x.rules]]
                event = "active"
                contains = ["running"]
                regex = 'running ('
                [[profiles.x.rules]]
                event = "active"
                contains = []
                regex = 'ok'
                pattern = 'ok'
                """);
        assertEquals(List.of(
                "profiles.x.colour: unknown key (valid keys: compatibility, description, handover, rules)",
                "profiles.x.compatibility: unknown compatibility 'minor' (valid: \"major-minor\", \"major\", \"exact\")",
                "profiles.x.rules[0].regex: a waiting rule needs the named group (?<release>...) in its regex",
                "profiles.x.rules[1].event: unknown event 'upgraded' (valid: \"waiting\", \"no_longer_compatible\", \"active\", "
                        + "\"syncing\", \"started\", \"exiting\", \"do_not_restart\", \"upgrade_needed\")",
                "profiles.x.rules[2].regex: invalid regex: Unclosed group at index 9 of 'running ('",
                "profiles.x.rules[3].pattern: unknown key (valid keys: contains, description, event, fix, regex)",
                "profiles.x.rules[3].contains: required: at least one literal text every matching line contains "
                        + "(the cheap pre-filter that keeps most lines away from the regex)"), p);
    }

    @Test
    void missingPartsAndWrongShapes() throws Exception {
        assertEquals(List.of("profiles.x.compatibility: required: one of \"major-minor\", \"major\", \"exact\"",
                "profiles.x.rules: required: at least one [[rules]] table with event, contains and regex"),
                problems("[profiles.x]\ndescription = 'nothing'\n"));
        assertEquals(List.of("profiles.x: expected a table with compatibility and rules"),
                ProfileReader.read("x", TOML.readTree("x = 3").get("x")).problems().stream().map(Object::toString).toList());
        assertEquals(List.of("profiles.x.rules[0].regex: a started rule needs the named group (?<own>...) or (?<version>...) in its regex"),
                problems("[profiles.x]\ncompatibility = 'exact'\n[[profiles.x.rules]]\nevent = 'started'\ncontains = 'v'\nregex = 'v(\\d+)'\n"));
    }

    /**
     * A rule that fires on ordinary output reads every such line as its event: with do_not_restart, the
     * engine's first line of output held it in error; with active, every line went to the event loop.
     */
    @Test
    void aRuleThatMatchesOrdinaryOutputIsRefused() throws Exception {
        String[][] rules = {{"active", " ", "."}, {"do_not_restart", "{", ".*"}, {"exiting", "e", "e"}};
        for (String[] r : rules) {
            List<String> p = problems("[profiles.x]\ncompatibility = 'exact'\n[[profiles.x.rules]]\nevent = '" + r[0]
                    + "'\ncontains = ['" + r[1] + "']\nregex = '" + r[2] + "'\n");
            assertEquals(1, p.size(), () -> String.join(" / ", r) + ": " + p);
            assertTrue(p.get(0).startsWith("profiles.x.rules[0].regex: with its contains, it matches ordinary output such as '"), p.get(0));
            assertTrue(p.get(0).endsWith("so every such line would be read as " + r[0]
                    + ": put words only that line has in contains and regex"), p.get(0));
        }
        // Words of the one line the event is: fine, even with a regex that adds nothing to them
        assertEquals(List.of(), problems("[profiles.x]\ncompatibility = 'exact'\n[[profiles.x.rules]]\nevent = 'active'\n"
                + "contains = ['committed state']\nregex = '.*'\n"));
        // An engine's usual line may be the sign of an event: an engine processing blocks is active
        assertEquals(List.of(), problems("[profiles.x]\ncompatibility = 'exact'\n[[profiles.x.rules]]\nevent = 'active'\n"
                + "contains = ['Processing block']\nregex = 'Processing block \\d+'\n"));
    }

    @Test
    void aStartedRuleMayNameItsVersionEitherWay() throws Exception {
        assertEquals(List.of(), problems("[profiles.x]\ncompatibility = 'exact'\n[[profiles.x.rules]]\nevent = 'STARTED'\n"
                + "contains = 'v'\nregex = 'v(?<version>\\d+)'\n"));
    }
}
