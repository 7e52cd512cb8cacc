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
    private static final long LAUNCHER_HEAP = 128L << 20; // bin/baton's -Xmx

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
            // 32 MiB for the agent, 4 MiB of stdout spill, 1.5 x 64 MiB of ring and its lines' metadata
            assertTrue(agent.stderrText().contains("need 133 MiB of heap once full"), agent.stderrText());
        }
    }

    @Test
    void aReloadToRingsTheHeapCannotHoldIsRefusedAndChangesNothing() throws Exception {
        Path config = dir.resolve("baton.toml");
        Path state = dir.resolve("state");
        int port = dev.baton.api.RunningAgent.freePort();
        String agent = Fixtures.agent(state).replace("[api]\nenabled = false", "[api]\nenabled = true\nport = " + port);
        String program = Fixtures.program("big", Fixtures.argv("sleep", "600"), "start_secs = \"0s\"", "[programs.big.log]");
        Files.writeString(config, agent + program + "ring_bytes = \"1MiB\"\n");
        try (AgentJvm jvm = AgentJvm.with(config).start()) {
            dev.baton.api.Http http = new dev.baton.api.Http("http://127.0.0.1:" + port, () -> {
                try {
                    return Files.readString(state.resolve("api.token")).trim();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> http.get("/v1/programs/big").json().path("state").asText().equals("RUNNING"));
            long pid = http.get("/v1/programs/big").json().path("pid").asLong();
            Files.writeString(config, agent + program + "ring_bytes = \"64MiB\"\n");
            dev.baton.api.Http.Response reload = http.post("/v1/reload");
            assertEquals(200, reload.status(), reload.body());
            assertEquals(false, reload.json().path("ok").asBoolean(), reload.body());
            assertTrue(reload.body().contains("need 133 MiB of heap once full"), reload.body());
            assertEquals(pid, http.get("/v1/programs/big").json().path("pid").asLong(), "nothing changed");
            assertTrue(jvm.alive());
        }
    }

    @Test
    void linesAsLongAsMaxLineBytesCountInTheHeapTheConfigNeeds() throws Exception {
        // Two programs with 16 MiB lines: each pipe's framer may carry one, and stdout stages one
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, Fixtures.agent(dir.resolve("state"),
                        "max_line_bytes = \"16MiB\"", "stdout_spill = \"32MiB\"")
                + Fixtures.program("a", Fixtures.argv("sleep", "600")) + Fixtures.program("b", Fixtures.argv("sleep", "600")));
        String problem = HeapNeed.problem(ConfigLoader.load(config), LAUNCHER_HEAP);
        assertTrue(problem != null && problem.contains("max_line_bytes, 96 MiB for 4 pipes")
                && problem.contains("BATON_JAVA_OPTS=-Xmx"), problem);
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
