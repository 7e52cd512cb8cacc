package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.AgentStatus;
import dev.baton.control.HandoverRecord;
import dev.baton.handover.ProfileReaderTest;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handover with real processes: simulated Chainflip engines (the real log lines) under a real
 * agent, a runtime upgrade driven by the release file they read.
 */
class HandoverTest {
    @TempDir
    Path dir;

    static final String FAST = "start_secs = \"0s\"\nrestart = \"always\"\nstart_retries = \"forever\"\n"
            + "backoff = { initial = \"200ms\", max = \"1s\" }\nstop_timeout = \"5s\"\n";

    /** A simulated engine program section. */
    static String engine(String name, String group, String version, Path releaseFile, String... simArgs) {
        return "[programs." + name + "]\ncommand = " + simulator(version, releaseFile, simArgs) + "\nengine_group = \""
                + group + "\"\n" + FAST + "\n";
    }

    static String simulator(String version, Path releaseFile, String... simArgs) {
        StringBuilder argv = new StringBuilder("[");
        for (String a : AgentProcess.javaCommand().subList(0, 4)) {
            argv.append('"').append(a).append("\", ");
        }
        return argv + "\"-Xmx24m\", \"-cp\", \"" + AgentProcess.classPath() + "\", \"dev.baton.sim.EngineSimulator\", "
                + "\"--version\", \"" + version + "\", \"--release-file\", \"" + releaseFile + "\", \"--block-time\", \"300ms\""
                + Stream.of(simArgs).map(a -> ", \"" + a + "\"").collect(Collectors.joining()) + "]";
    }

    static Optional<AgentStatus.GroupStatus> group(InProcessAgent a, String name) {
        return a.agent.handover() == null ? Optional.empty()
                : a.agent.handover().groups().stream().filter(g -> g.name().equals(name)).findFirst();
    }

    static String role(InProcessAgent a, String group, String program) {
        return group(a, group).flatMap(g -> g.engines().stream().filter(e -> e.program().equals(program)).findFirst())
                .map(AgentStatus.EngineStatus::role).orElse("");
    }

    static void awaitRoles(InProcessAgent a, String group, String... programRolePairs) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (int i = 0; i < programRolePairs.length; i += 2) {
                if (!role(a, group, programRolePairs[i]).equals(programRolePairs[i + 1])) {
                    return false;
                }
            }
            return true;
        });
    }

    /** cfe10 (1.0.3) ACTIVE and cfe11 (1.1.0) WAITING in group chainflip, the release file at 1.0.0. */
    private InProcessAgent twoEnginesBeforeTheUpgrade(Path release) throws Exception {
        Files.writeString(release, "1.0.0\n");
        InProcessAgent a = new InProcessAgent(dir).config(engine("cfe10", "chainflip", "1.0.3", release)
                + engine("cfe11", "chainflip", "1.1.0", release)).start();
        try {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            return a;
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
    }

    @Test
    void normalUpgradeIdlesTheOldEngineAndKeepsItDown() throws Exception {
        Path release = dir.resolve("release");
        try (InProcessAgent a = twoEnginesBeforeTheUpgrade(release)) {
            assertTrue(group(a, "chainflip").orElseThrow().upgradeReady(), "a newer engine is installed and waiting");

            Files.writeString(release, "1.1.0\n");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);
            AgentStatus.GroupStatus g = group(a, "chainflip").orElseThrow();
            assertEquals("1.1.0", g.release());
            assertEquals("1.1.0", g.active());
            assertNotNull(g.lastHandover());
            int restarts = a.status("cfe10").restarts();
            // A few more blocks: the idled engine is not restarted although its policy is "always".
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
            assertEquals(restarts, a.status("cfe10").restarts());
            assertTrue(a.agent.handover().history(100).stream().anyMatch(r -> r.kind().equals("ENGINE_IDLED")));
            assertEquals(0, a.stop());
        }
        // After an agent restart the idled engine stays idle and the active one runs.
        try (InProcessAgent again = new InProcessAgent(dir).start()) {
            again.awaitState("cfe11", ProcessState.RUNNING);
            awaitRoles(again, "chainflip", "cfe11", "ACTIVE");
            assertEquals(ProcessState.STOPPED, again.status("cfe10").state());
            assertEquals("IDLE", role(again, "chainflip", "cfe10"));
            assertNotNull(again.status("cfe10").hold());
        }
    }

    @Test
    void aRollbackOfTheRuntimeBringsTheOldEngineBackAndKeepsTheNewOneWaiting() throws Exception {
        Path release = dir.resolve("release");
        try (InProcessAgent a = twoEnginesBeforeTheUpgrade(release)) {
            Files.writeString(release, "1.1.0\n");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
            a.awaitState("cfe10", ProcessState.STOPPED);

            // The chain goes back to 1.0: 1.1 says it is no longer compatible, exits, is restarted by its
            // policy and says it again (the confirmation); then 1.0 is started again and 1.1 keeps
            // running, waiting: it tells the chain this host is ready for the retried upgrade.
            Files.writeString(release, "1.0.0\n");
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            a.awaitState("cfe10", ProcessState.RUNNING);
            assertEquals(ProcessState.RUNNING, a.status("cfe11").state());
            AgentStatus.GroupStatus g = group(a, "chainflip").orElseThrow();
            assertEquals("1.0.0", g.release());
            assertEquals("1.0.3", g.active());
            assertTrue(g.upgradeReady());
            assertTrue(a.agent.handover().history(100).stream().anyMatch(r -> r.kind().equals("ROLLBACK")));
            assertEquals(null, a.status("cfe11").hold());
            assertEquals(null, a.status("cfe10").hold());
            assertEquals(0, a.stop());
        }
        // The rollback survives an agent restart: 1.0 works, 1.1 waits.
        try (InProcessAgent again = new InProcessAgent(dir).start()) {
            awaitRoles(again, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
        }
    }

    @Test
    void noNewerEngineAtUpgradeTimeIsAnErrorAndTheOldEngineIsKept() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        try (InProcessAgent a = new InProcessAgent(dir).config(engine("cfe10", "chainflip", "1.0.3", release)).start()) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE");
            Files.writeString(release, "1.1.0\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> group(a, "chainflip").map(g -> g.error() != null).orElse(false));
            assertTrue(group(a, "chainflip").orElseThrow().error().contains("1.1"), group(a, "chainflip").orElseThrow().error());
            assertTrue(!role(a, "chainflip", "cfe10").equals("IDLE"), "the only engine is never idled");
            // It keeps being restarted by its policy: the operator must install the new engine.
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10").restarts() >= 1);
        }
    }

    @Test
    void aSuccessorStillSyncingAtUpgradeTimeIsWaitedForBeforeTheOldEngineIsIdled() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        try (InProcessAgent a = new InProcessAgent(dir).config(engine("cfe10", "chainflip", "1.0.3", release)
                + engine("cfe11", "chainflip", "1.1.0", release, "--sync-blocks", "25")).start()) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "SYNCING");
            Files.writeString(release, "1.1.0\n");
            // The old engine is superseded but the new one is still syncing: nothing is idled yet.
            await().atMost(Duration.ofSeconds(30)).until(() -> a.agent.handover().history(100).stream()
                    .anyMatch(r -> r.kind().equals("HANDOVER_PENDING")));
            assertTrue(!role(a, "chainflip", "cfe10").equals("IDLE"), "idled before its successor was ready");
            awaitRoles(a, "chainflip", "cfe11", "ACTIVE", "cfe10", "IDLE");
        }
    }

    @Test
    void twoGroupsOnOneHostAreIndependent() throws Exception {
        Path releaseA = dir.resolve("release-a");
        Path releaseB = dir.resolve("release-b");
        Files.writeString(releaseA, "1.0.0\n");
        Files.writeString(releaseB, "1.0.0\n");
        try (InProcessAgent a = new InProcessAgent(dir).config(
                "[groups.alpha]\nprofile = \"chainflip\"\n[groups.beta]\nprofile = \"chainflip\"\n\n"
                + engine("a10", "alpha", "1.0.0", releaseA) + engine("a11", "alpha", "1.1.0", releaseA)
                + engine("b10", "beta", "1.0.0", releaseB) + engine("b11", "beta", "1.1.0", releaseB)).start()) {
            awaitRoles(a, "alpha", "a10", "ACTIVE", "a11", "WAITING");
            awaitRoles(a, "beta", "b10", "ACTIVE", "b11", "WAITING");
            Files.writeString(releaseA, "1.1.0\n");
            awaitRoles(a, "alpha", "a11", "ACTIVE", "a10", "IDLE");
            assertEquals("ACTIVE", role(a, "beta", "b10"));
            assertEquals("WAITING", role(a, "beta", "b11"));
            assertEquals(ProcessState.RUNNING, a.status("b10").state());
        }
    }

    @Test
    void aCustomProfileInTomlDrivesANonChainflipEngine() throws Exception {
        Path height = dir.resolve("upgrade");
        // A Cosmos-style node: v1 commits blocks until an upgrade plan appears, then halts;
        // v2 waits until the chain runs its version.
        Path v1 = Scripts.write(dir, "gaiad-v1.sh", "while [ ! -f " + height + " ]; do echo 'committed state height=1'; sleep 0.2; done\n"
                + "echo 'UPGRADE \"v2.0.0\" NEEDED at height: 123'; exit 1");
        Path v2 = Scripts.write(dir, "gaiad-v2.sh", "while [ ! -f " + height + " ]; do echo 'binary v2.0.0 waiting for upgrade; chain runs v1.0.0'; sleep 0.2; done\n"
                + "while :; do echo 'committed state height=124'; sleep 0.2; done");
        String profile = ProfileReaderTest.COSMOS_TOML + "\n[groups.gaia]\nprofile = \"cosmos\"\n\n";
        try (InProcessAgent a = new InProcessAgent(dir).config(profile
                + "[programs.gaiad-v1]\ncommand = [\"" + v1 + "\"]\nengine_group = \"gaia\"\nversion = \"1.0.0\"\n" + FAST + "\n"
                + "[programs.gaiad-v2]\ncommand = [\"" + v2 + "\"]\nengine_group = \"gaia\"\nversion = \"2.0.0\"\n" + FAST).start()) {
            awaitRoles(a, "gaia", "gaiad-v1", "ACTIVE", "gaiad-v2", "WAITING");
            Files.writeString(height, "123");
            awaitRoles(a, "gaia", "gaiad-v2", "ACTIVE", "gaiad-v1", "IDLE");
            a.awaitState("gaiad-v1", ProcessState.STOPPED);
            List<HandoverRecord> history = a.agent.handover().history(50);
            assertTrue(history.stream().anyMatch(r -> r.kind().equals("ENGINE_IDLED") && "gaiad-v1".equals(r.program())), history.toString());
        }
    }
}
