package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.config.ConfigFilePermissions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in {@code baton add-upgrade} writes into the root agent's config: no other user may
 * ever hold it open for writing (and add a program run as root at the next reload).
 */
class AddUpgradeDropInTest {
    @TempDir
    Path dir;

    @Test
    void aTempFileLeftOpenToOthersNeverBecomesTheDropIn() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "the attacker is user nobody");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // as /etc/baton
        Path main = Files.writeString(dir.resolve("baton.toml"), "");
        Files.setPosixFilePermissions(main, PosixFilePermissions.fromString("rw-r--r--"));
        Path dropIn = Files.createDirectories(dir.resolve("conf.d")).resolve("gaia-19.0.0.toml");
        // Temp files an earlier run left under umask 000 (killed before its chmod), at either temp name.
        List<Path> leftovers = List.of(dropIn.resolveSibling(".gaia-19.0.0.toml.tmp"), dropIn.resolveSibling("gaia-19.0.0.toml.tmp"));
        for (Path p : leftovers) {
            Files.writeString(p, "");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        // nobody opens them for writing, waits for the drop-in, then writes through what it holds.
        Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                "exec 3>>\"$1\" 4>>\"$2\"; echo ready; read go; evil='[programs.evil]\\ncommand = [\"id\"]\\n';"
                        + " printf \"$evil\" >&3 && printf \"$evil\" >&4",
                "sh", leftovers.get(0).toString(), leftovers.get(1).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(nobody.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());

            AddUpgradeCommand.write(dropIn, "[programs.\"gaia-19.0.0\"]\ncommand = [\"/usr/bin/gaiad\"]\n", main);

            nobody.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
            nobody.getOutputStream().flush();
            assertTrue(nobody.waitFor(20, TimeUnit.SECONDS) && nobody.exitValue() == 0, "nobody's writes failed");
            String written = Files.readString(dropIn);
            assertFalse(written.contains("evil"), "nobody wrote into the drop-in:\n" + written);
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dropIn)), "the main file's mode");
        } finally {
            nobody.destroyForcibly().waitFor();
        }
    }
}
