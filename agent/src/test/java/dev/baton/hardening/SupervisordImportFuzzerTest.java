package dev.baton.hardening;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.supervisord.SupervisordImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of the supervisord importer: any supervisord.conf text gives
 * an import or an IOException naming the problem; what it writes is TOML that baton's own loader
 * reads without an internal error.
 */
class SupervisordImportFuzzerTest {
    private static Path file;

    @FuzzTest(maxDuration = "5m")
    void importConf(@NotNull String ini) throws IOException {
        if (file == null) {
            file = Files.createTempFile("fuzz-supervisord", ".conf");
            file.toFile().deleteOnExit();
        }
        Files.writeString(file, ini);
        ImportResult result;
        try {
            result = new SupervisordImporter(java.util.Map.of(), "host").importFile(file);
        } catch (IOException e) {
            return; // not an INI file: refused with a message
        }
        try {
            ConfigLoader.parse(result.toml(), Path.of("/etc/baton/baton.toml"));
        } catch (ConfigException e) {
            // (the fixed phrase baton uses for an exception it caught inside itself; values echoed in
            // messages may contain anything, so the phrase must start a file-level problem)
            assertFalse(e.problems().stream().anyMatch(p -> p.keyPath().isEmpty()
                    && p.message().startsWith("could not be read because of an unexpected")), e.getMessage());
        }
    }
}
