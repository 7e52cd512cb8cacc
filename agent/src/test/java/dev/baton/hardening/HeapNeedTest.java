package dev.baton.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.ConfigLoader;
import dev.baton.logs.HeapNeed;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log ring within the documented limits (ring_bytes up to 64 MiB) that the agent's heap cannot
 * hold is refused at start with the way out, instead of an agent that dies of OutOfMemoryError
 * once the program has printed enough.
 */
class HeapNeedTest {
    private static final long LAUNCHER_HEAP = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void ringsTheHeapCannotHoldAreRefusedAtStartWithTheHeapToGive() throws Exception {
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, Fixtures.agent(dir.resolve("state"))
                + Fixtures.program("big", Fixtures.argv("sleep", "600"), "[programs.big.log]", "ring_bytes = \"64MiB\""));
        String problem = HeapNeed.problem(ConfigLoader.load(config), LAUNCHER_HEAP);
        assertTrue(problem != null && problem.contains("big 64 MiB") && problem.contains("BATON_JAVA_OPTS=-Xmx"), problem);

        try (AgentJvm agent = AgentJvm.with(config).start()) {
            assertEquals(2, agent.waitExit(60), "a configuration error");
            assertTrue(agent.stderrText().contains("need 129 MiB of heap once full"), agent.stderrText());
        }
    }

    @Test
    void theDefaultRingsOfAHostsWorthOfProgramsFitTheLaunchersHeap() throws Exception {
        Path config = dir.resolve("baton.toml");
        StringBuilder programs = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            programs.append(Fixtures.program("p" + i, Fixtures.argv("sleep", "600")));
        }
        Files.writeString(config, Fixtures.agent(dir.resolve("state")) + programs);
        assertNull(HeapNeed.problem(ConfigLoader.load(config), LAUNCHER_HEAP - (2L << 20)));
    }
}
