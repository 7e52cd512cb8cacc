package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * baton add-upgrade names a file after the new program (conf.d/NAME.toml): a --name with a slash or
 * dots must be refused before anything is written, not land outside conf.d where the loader never reads it.
 */
class AddUpgradeNameTest {
    @TempDir
    Path dir;

    @Test
    void aProgramNameThatIsAPathIsRefusedAndNothingIsWritten() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc/baton"));
        Files.createDirectories(etc.resolve("conf.d")); // as the package ships it: conf.d/.. resolves
        Path config = etc.resolve("baton.toml");
        Files.writeString(config, """
                [agent]
                state_dir = "%s"
                [groups.gaia]
                profile = "cosmos"
                [programs.gaiad-v17]
                command = ["/bin/sh", "-c", "sleep 1"]
                engine_group = "gaia"
                version = "17.0.0"
                """.formatted(dir.resolve("state")));
        for (String name : new String[] {"../../outside", "sub/gaia-18", ".."}) {
            StringWriter err = new StringWriter();
            int code = new CommandLine(new Main()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                    .execute("add-upgrade", "gaia", "18.0.0", "/bin/sh", "--name", name, "--config", config.toString(),
                            "--socket", dir.resolve("state/api.sock").toString());
            assertEquals(ExitCodes.USAGE, code, name + ": " + err);
            assertTrue(err.toString().contains("is not a program name"), err.toString());
        }
        assertFalse(Files.exists(dir.resolve("etc/outside.toml")), "conf.d/../../outside.toml");
        assertFalse(Files.exists(etc.resolve("conf.d/sub")));
        assertFalse(Files.exists(etc.resolve("conf.d/...toml")));
    }
}
