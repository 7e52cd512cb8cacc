package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent SIGKILLed in the middle of an upgrade (engines die with it), the runtime upgrade
 * lands while it is down, and the restarted agent still ends with the new engine active and the
 * old one idled: from the engines' own lines, not from memory.
 */
class HandoverRestartTest {
    @TempDir
    Path dir;

    private String role(String program) {
        return new AgentStateProbe(dir.resolve("state")).role("chainflip", program);
    }

    private long copies(String program) throws Exception {
        return new AgentStateProbe(dir.resolve("state")).copies(program);
    }

    @Test
    void upgradeWhileTheAgentIsDownStillEndsWithTheOldEngineIdled() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "[api]\nenabled = false\n\n"
                + HandoverTest.engine("cfe10", "chainflip", "1.0.3", release)
                + HandoverTest.engine("cfe11", "chainflip", "1.1.0", release));
        AgentProcess first = AgentProcess.start(dir.resolve("baton.toml"));
        await().atMost(Duration.ofSeconds(60)).until(() -> role("cfe10").equals("ACTIVE") && role("cfe11").equals("WAITING"));
        first.sigkill();
        await().atMost(Duration.ofSeconds(20)).until(() -> copies("cfe10") + copies("cfe11") == 0);

        Files.writeString(release, "1.1.0\n");
        try (AgentProcess second = AgentProcess.start(dir.resolve("baton.toml"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> role("cfe11").equals("ACTIVE") && role("cfe10").equals("IDLE"));
            await().atMost(Duration.ofSeconds(20)).until(() -> copies("cfe10") == 0);
            assertEquals(1, copies("cfe11"));
            assertEquals(0, second.sigterm());
        }
    }

    /** After the handover, the agent is SIGKILLed and started again: the idled engine never runs again, not for a moment. */
    @Test
    void theIdledEngineStaysDownAcrossAKill() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path cfe = UpgradeTranscriptsTest.engineScript(dir);
        Files.writeString(dir.resolve("baton.toml"), "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "log_mode = \"prefixed\"\n[api]\nenabled = false\n\n"
                + Fixtures.program("cfe10", Fixtures.argv(cfe, "1.0.3", release, "json"), "engine_group = \"chainflip\"", Fixtures.FAST_ENGINE)
                + Fixtures.program("cfe11", Fixtures.argv(cfe, "1.1.0", release, "json"), "engine_group = \"chainflip\"", Fixtures.FAST_ENGINE));
        AgentProcess first = AgentProcess.start(dir.resolve("baton.toml"));
        await().atMost(Duration.ofSeconds(60)).until(() -> role("cfe10").equals("ACTIVE") && role("cfe11").equals("WAITING"));
        Files.writeString(release, "1.1.0\n");
        await().atMost(Duration.ofSeconds(60)).until(() -> role("cfe10").equals("IDLE") && copies("cfe10") == 0);
        first.sigkill();
        await().atMost(Duration.ofSeconds(20)).until(() -> copies("cfe11") == 0);

        Path out = dir.resolve("second.out");
        try (AgentProcess second = AgentProcess.start(dir.resolve("baton.toml"), ProcessBuilder.Redirect.to(out.toFile()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> AgentProcess.read(out).contains("chainflip: cfe11 (1.1.0) is active"));
            assertEquals("IDLE", role("cfe10"));
            assertEquals(0, copies("cfe10"));
            assertFalse(AgentProcess.read(out).contains("cfe10: spawned"), "the idled engine was started again");
            assertEquals(0, second.sigterm());
        }
    }

    /**
     * The agent is stopped after the upgrade, the chain rolls back to 1.0 meanwhile, the agent starts again:
     * 1.1 waits at every block in its one process and 1.0 is held. Before, no engine ever worked again
     * (the rollback wanted 1.1 to say it in a second lifetime, and a waiting engine never exits).
     */
    @Test
    void aRollbackWhileTheAgentIsDownResumesTheIdledEngine() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path cfe = UpgradeTranscriptsTest.engineScript(dir);
        String config = Fixtures.program("cfe10", Fixtures.argv(cfe, "1.0.3", release, "json"), "engine_group = \"chainflip\"",
                Fixtures.FAST_ENGINE)
                + Fixtures.program("cfe11", Fixtures.argv(cfe, "1.1.0", release, "json"), "engine_group = \"chainflip\"", Fixtures.FAST_ENGINE);
        try (InProcessAgent a = new InProcessAgent(dir).config(config).start()) {
            HandoverTest.awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            Files.writeString(release, "1.1.0\n");
            HandoverTest.awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);
        }
        Files.writeString(release, "1.0.0\n");
        try (InProcessAgent again = new InProcessAgent(dir).start()) {
            HandoverTest.awaitRoles(again, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            assertEquals(ProcessState.RUNNING, again.status("cfe10").state());
            assertEquals("1.0.0", HandoverTest.group(again, "chainflip").orElseThrow().release());
            assertTrue(again.agent.handover().history(100).stream().anyMatch(r -> r.kind().equals("ROLLBACK")));
        }
    }
}
