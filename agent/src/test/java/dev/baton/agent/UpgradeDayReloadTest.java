package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.role;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config reloads in the middle of an upgrade day: an engine renamed, removed, put back or changed
 * while the handover holds it or needs it. The engines are {@link UpgradeTranscriptsTest}'s shell
 * stand-ins; each test ends with the engine of the release working and no idled engine running.
 */
class UpgradeDayReloadTest {
    @TempDir
    Path dir;

    private Path release;
    private Path cfe;

    private String engine(String name, String version, String... extra) {
        String[] lines = new String[extra.length + 2];
        lines[0] = "engine_group = \"chainflip\"";
        lines[1] = Fixtures.FAST_ENGINE;
        System.arraycopy(extra, 0, lines, 2, extra.length);
        return Fixtures.program(name, Fixtures.argv(cfe, version, release, "json"), lines);
    }

    @BeforeEach
    void engines() throws Exception {
        release = dir.resolve("release");
        cfe = UpgradeTranscriptsTest.engineScript(dir);
        Files.writeString(release, "1.0.0\n");
    }

    private InProcessAgent agent(String programs) throws Exception {
        return new InProcessAgent(dir).config(programs).start();
    }

    private void setRelease(String version) throws Exception {
        Path tmp = dir.resolve("release.tmp");
        Files.writeString(tmp, version + "\n");
        Files.move(tmp, release, StandardCopyOption.ATOMIC_MOVE);
    }

    private void reload(InProcessAgent a, String programs) throws Exception {
        a.config(programs);
        a.agent.reload();
        a.drain();
    }

    /** cfe10 (1.0.3) idled, cfe11 (1.1.0) active at release 1.1.0. */
    private InProcessAgent afterTheUpgrade() throws Exception {
        InProcessAgent a = agent(engine("cfe10", "1.0.3") + engine("cfe11", "1.1.0"));
        awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
        setRelease("1.1.0");
        awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
        a.awaitState("cfe10", ProcessState.STOPPED);
        return a;
    }

    @Test
    void theIdledEngineRenamedStaysIdleAndARollbackStillResumesIt() throws Exception {
        try (InProcessAgent a = afterTheUpgrade()) {
            int activePid = a.status("cfe11").pid();
            reload(a, engine("cfe10-old", "1.0.3") + engine("cfe11", "1.1.0"));
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") == null);
            awaitRoles(a, "chainflip", "cfe10-old", "IDLE");
            assertEquals(ProcessState.STOPPED, a.status("cfe10-old").state());
            assertEquals(0, a.status("cfe10-old").restarts());
            assertEquals(activePid, a.status("cfe11").pid(), "the working engine is not touched");

            setRelease("1.0.0");
            awaitRoles(a, "chainflip", "cfe10-old", "ACTIVE", "cfe11", "WAITING");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void theIdledEngineChangedByAReloadStaysDown() throws Exception {
        try (InProcessAgent a = afterTheUpgrade()) {
            reload(a, engine("cfe10", "1.0.3", "environment = { RUST_LOG = \"debug\" }") + engine("cfe11", "1.1.0"));
            awaitRoles(a, "chainflip", "cfe10", "IDLE", "cfe11", "ACTIVE");
            a.drain();
            assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
            assertEquals(0, a.status("cfe10").restarts());
            assertEquals(0, a.stop());
        }
    }

    @Test
    void theActiveEngineRenamedKeepsTheOldOneIdle() throws Exception {
        try (InProcessAgent a = afterTheUpgrade()) {
            reload(a, engine("cfe10", "1.0.3") + engine("cfe11-new", "1.1.0"));
            awaitRoles(a, "chainflip", "cfe11-new", "ACTIVE", "cfe10", "IDLE");
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe11") == null);
            assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
            assertEquals(0, a.stop());
        }
    }

    @Test
    void theSuccessorRemovedBeforeTheUpgradeKeepsTheOldEngineUntilItIsBack() throws Exception {
        try (InProcessAgent a = agent(engine("cfe10", "1.0.3") + engine("cfe11", "1.1.0"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            reload(a, engine("cfe10", "1.0.3"));
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe11") == null);
            setRelease("1.1.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> HandoverTest.group(a, "chainflip").orElseThrow().error() != null);
            assertNotEquals("IDLE", role(a, "chainflip", "cfe10"));

            reload(a, engine("cfe10", "1.0.3") + engine("cfe11", "1.1.0"));
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);
            assertEquals(0, a.stop());
        }
    }

    @Test
    void bothEnginesIncompatibleKeepBothUntilTheRightOneIsInstalled() throws Exception {
        try (InProcessAgent a = agent(engine("cfe10", "1.0.3") + engine("cfe11", "1.1.0"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            setRelease("1.2.0"); // past both: each says it is incompatible, neither can take over
            awaitRoles(a, "chainflip", "cfe10", "SUPERSEDED", "cfe11", "SUPERSEDED");
            await().atMost(Duration.ofSeconds(30)).until(() -> String.valueOf(HandoverTest.group(a, "chainflip").orElseThrow().error())
                    .contains("no engine compatible with it is installed"));
            a.drain();
            assertEquals(ProcessState.RUNNING, a.status("cfe11").state());

            reload(a, engine("cfe10", "1.0.3") + engine("cfe11", "1.1.0") + engine("cfe12", "1.2.0"));
            awaitRoles(a, "chainflip", "cfe12", "ACTIVE", "cfe10", "IDLE", "cfe11", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);
            a.awaitState("cfe11", ProcessState.STOPPED);
            assertEquals(0, a.stop());
        }
    }
}
