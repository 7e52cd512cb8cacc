package dev.baton.config;

import dev.baton.handover.ProfileReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples in docs/config-reference.md load, and every key the loader knows is documented. */
class ReferenceDocTest {
    static final Path DOC = Path.of("..", "docs", "config-reference.md");

    @Test
    void examplesLoad() throws IOException, ConfigException {
        List<String> examples = new ArrayList<>();
        Matcher block = Pattern.compile("```toml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        while (block.find()) {
            examples.add(block.group(1));
        }
        assertFalse(examples.isEmpty());
        for (String example : examples) {
            ConfigLoader.parse(example, DOC);
        }
        assertEquals(3, ConfigLoader.parse(examples.get(0), DOC).programs().size());
    }

    /** Every key the loader knows, from the sections' own lists. */
    private static List<String> loaderKeys() {
        List<String> keys = new ArrayList<>();
        keys.addAll(AgentSection.KEYS);
        keys.addAll(ApiSection.KEYS);
        keys.addAll(ProgramSection.KEYS);
        keys.addAll(BackoffSection.KEYS);
        keys.addAll(LogSection.KEYS);
        keys.addAll(LimitsSection.KEYS);
        keys.addAll(ClusterSection.KEYS);
        keys.addAll(ClusterSection.EXCLUSIVE_KEYS);
        keys.addAll(ClusterSection.IDENTITY_KEYS);
        keys.addAll(HandoverSection.GROUP_KEYS);
        keys.addAll(ReleasesSection.KEYS);
        keys.addAll(ProfileReader.PROFILE_KEYS);
        keys.addAll(ProfileReader.RULE_KEYS);
        return keys;
    }

    @Test
    void everyKeyIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        for (String key : loaderKeys()) {
            assertTrue(doc.contains("| `" + key + "` |"), () -> key + " is not in the reference's tables");
        }
    }

    /** The other way round: a key the reference lists in a table (its first column) is one the loader knows. */
    @Test
    void everyKeyTheReferenceListsExists() throws IOException {
        Set<String> known = new TreeSet<>(loaderKeys());
        Set<String> unknown = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(Files.readString(DOC));
        int rows = 0;
        while (row.find()) {
            rows++;
            if (!known.contains(row.group(1))) {
                unknown.add(row.group(1));
            }
        }
        assertEquals(Set.of(), unknown, "keys in docs/config-reference.md's tables that the loader does not know");
        assertTrue(rows > 90, "key rows found: " + rows);
    }
}
