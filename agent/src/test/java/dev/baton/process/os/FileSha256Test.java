package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSha256Test {
    @TempDir
    Path dir;

    /** Sizes around the read chunk (256 KiB) and SHA-256's 64-byte block, empty included. */
    @Test
    void libcryptoAndTheJdkGiveTheSameDigestAsMessageDigestForAnySize() throws Exception {
        // Debian 12 (CI, the .deb's hosts) always has libssl3: a silent fall back would hide a broken binding
        assertTrue(FileSha256.usesLibcrypto(), "libcrypto.so.3 (libssl3) did not bind");
        Random random = new Random(42);
        for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 4096, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 3_000_001}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            Path file = Files.write(dir.resolve("f" + size), bytes);
            String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            assertEquals(expected, FileSha256.of(file, true), "libcrypto, " + size + " bytes");
            assertEquals(expected, FileSha256.of(file, false), "JDK, " + size + " bytes");
        }
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", FileSha256.of(dir.resolve("f0")));
    }

    @Test
    void aMissingFileIsAnIoErrorNotADigest() {
        assertThrows(IOException.class, () -> FileSha256.of(dir.resolve("missing")));
    }
}
