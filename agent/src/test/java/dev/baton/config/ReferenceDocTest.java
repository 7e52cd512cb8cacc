package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void everyKeyIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
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
        keys.addAll(List.of("compatibility", "description", "rules", "event", "contains", "regex")); // [profiles.NAME]
        for (String key : keys) {
            assertTrue(doc.contains("| `" + key + "` |"), () -> key + " is not in the reference's tables");
        }
    }
}
