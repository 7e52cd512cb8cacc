package dev.baton.hardening;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of ConfigLoader.parse: whatever the text, a config or a
 * ConfigException, and never the "a bug in baton" problem that marks an unexpected exception
 * caught inside the loader.
 */
class ConfigParseFuzzerTest {
    @FuzzTest(maxDuration = "5m")
    void parse(@NotNull String toml) {
        try {
            ConfigLoader.parse(toml, Path.of("/etc/baton/baton.toml"));
        } catch (ConfigException e) {
            // (the fixed phrase baton uses for an exception it caught inside itself; values echoed in
            // messages may contain anything, so the phrase must start a file-level problem)
            assertFalse(e.problems().stream().anyMatch(p -> p.keyPath().isEmpty()
                    && p.message().startsWith("could not be read because of an unexpected")), e.getMessage());
        }
    }
}
