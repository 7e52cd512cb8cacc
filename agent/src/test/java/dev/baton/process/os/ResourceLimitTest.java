package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A program's limits (systemd's LimitNOFILE=) are in force in the process baton started, under the same pid. */
class ResourceLimitTest {
    private static Children children;

    @BeforeAll
    static void start() {
        children = new Children();
    }

    @AfterAll
    static void stop() {
        children.close();
    }

    @Test
    void limitsAreSetBeforeTheProgramRunsAndThePidIsTheProgramsOwn() throws Exception {
        SpawnRequest request = new SpawnRequest(List.of("sleep", "300"), Children.PATH_ONLY, null, null, null, null, true,
                List.of(new ResourceLimit("nofile", 1234, 2345), new ResourceLimit("core", 0, ResourceLimit.UNLIMITED)));
        SpawnedProcess child = children.spawn(request);
        Children.closePipes(child);
        Children.awaitExec(child.pid(), "sleep 300"); // prlimit (then setpriv) exec'd into the program
        assertEquals("1234 2345", limit(child.pid(), "Max open files"));
        assertEquals("0 unlimited", limit(child.pid(), "Max core file size"));
        children.stop(child);
    }

    @Test
    void withoutLimitsTheAgentsAreInherited() throws Exception {
        SpawnedProcess child = children.spawn("sleep", "300");
        Children.closePipes(child);
        Children.awaitExec(child.pid(), "sleep 300");
        assertEquals(limit(Os.pid(), "Max open files"), limit(child.pid(), "Max open files"));
        assertTrue(Children.commandLine(child.pid()).startsWith("/"), "no wrapper left in the way");
        children.stop(child);
    }

    @Test
    void prlimitOptions() {
        assertEquals("--nofile=65536:65536", new ResourceLimit("nofile", 65536, 65536).prlimitOption());
        assertEquals("--memlock=unlimited:unlimited", new ResourceLimit("memlock", -1, -1).prlimitOption());
        assertEquals(Map.of("65536", "65536", "1024:524288", "1024:524288", "infinity", "infinity"), Map.of(
                new ResourceLimit("nofile", 65536, 65536).configText(), "65536",
                new ResourceLimit("nofile", 1024, 524288).configText(), "1024:524288",
                new ResourceLimit("nofile", -1, -1).configText(), "infinity"));
    }

    /** "SOFT HARD" of one line of /proc/PID/limits. */
    private static String limit(int pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith(name)) {
                String[] f = line.substring(name.length()).trim().split("\\s+");
                return f[0] + " " + f[1];
            }
        }
        throw new AssertionError(name + " not in /proc/" + pid + "/limits");
    }
}
