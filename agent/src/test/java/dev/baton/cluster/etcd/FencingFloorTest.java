package dev.baton.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.ClusterException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FencingFloorTest {
    @TempDir
    Path dir;

    @Test
    void theFloorOnlyRisesAndSurvivesAReopen() throws IOException {
        FencingFloor floor = FencingFloor.open(dir, "identity");
        assertEquals(0, floor.value());
        assertTrue(floor.raise(41));
        assertFalse(floor.raise(7), "a lower token leaves the floor alone");
        assertFalse(floor.raise(41));
        assertEquals(41, FencingFloor.open(dir, "identity").value());
        assertEquals(0, FencingFloor.open(dir, "other").value(), "one floor per lock");
        assertFalse(Files.exists(dir.resolve("fencing-floor.identity.tmp")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("fencing-floor.identity"))));
    }

    @Test
    void aDamagedFloorStopsTheStartWithTheFileAndTheFix() throws IOException {
        Files.writeString(dir.resolve("fencing-floor.identity"), "12x\n");
        ClusterException e = assertThrows(ClusterException.class, () -> FencingFloor.open(dir, "identity"));
        assertTrue(e.getMessage().startsWith(dir.resolve("fencing-floor.identity") + ": line 1: \"12x\""), e.getMessage());
        assertTrue(e.getMessage().contains("never a smaller one"), e.getMessage());
    }
}
