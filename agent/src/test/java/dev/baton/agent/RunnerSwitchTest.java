package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.group;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.AgentStatus;
import dev.baton.control.HandoverRecord;
import dev.baton.hardening.Fixtures;
import dev.baton.metrics.BatonMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Chainflip 1.4+ runner as one program: a script printing the runner's real lines (the old
 * library runs while the new one is not yet compatible; at the runtime upgrade the switch inside the
 * process). The status names the version inside the runner and the one waiting; the switch is a
 * handover in the history and the last-handover time.
 */
class RunnerSwitchTest {
    @TempDir
    Path dir;

    @Test
    void theSwitchInsideTheRunnerIsAHandover() throws Exception {
        switchInsideTheRunner("""
                echo 'The latest version 1.5.0 is not yet compatible. Running the old version 1.4.2...'
                echo '{"level":"INFO","fields":{"message":"Initialised StateChainClient at block 0x4d66…fb38"}}'
                while [ ! -f '%s' ]; do sleep 0.05; done
                echo 'Switching to the new version 1.5.0 after the old version 1.4.2 is no longer compatible.'
                echo '{"level":"INFO","fields":{"message":"Initialised StateChainClient at block 0x77aa…0c01"}}'
                exec sleep 600""");
    }

    /**
     * As the real runner prints it: each library greets with its own version when it starts
     * (print_start_and_end!), so the new one says "Starting chainflip-engine v1.5.0" before it finds it
     * is not yet compatible and the old one runs, and again after the switch.
     */
    @Test
    void theLibrariesOwnGreetingsDoNotMakeTheNewVersionTheRunningOne() throws Exception {
        switchInsideTheRunner("""
                echo 'Starting chainflip-engine v1.5.0 (CI Build: "7a1c")'
                echo 'The new version has exited with exit status: ExitStatus { status_code: 2, at_block: 4294967295 }'
                echo 'The latest version 1.5.0 is not yet compatible. Running the old version 1.4.2...'
                echo 'Starting chainflip-engine v1.4.2 (CI Build: "31be")'
                echo '{"level":"INFO","fields":{"message":"Initialised StateChainClient at block 0x4d66…fb38"}}'
                while [ ! -f '%s' ]; do sleep 0.05; done
                echo 'Old version has exited with exit status: ExitStatus { status_code: 1, at_block: 8213 }'
                echo 'Switching to the new version 1.5.0 after the old version 1.4.2 is no longer compatible.'
                echo 'Starting chainflip-engine v1.5.0 (CI Build: "7a1c")'
                echo '{"level":"INFO","fields":{"message":"Initialised StateChainClient at block 0x77aa…0c01"}}'
                exec sleep 600""");
    }

    /** {@code script} runs the old library until the file its %s names appears, then switches. */
    private void switchInsideTheRunner(String script) throws Exception {
        Path upgrade = dir.resolve("upgraded");
        Path runner = Fixtures.script(dir, "engine-runner.sh", script.formatted(upgrade));
        try (InProcessAgent a = new InProcessAgent(dir).config("[groups.cf]\nprofile = \"chainflip\"\n\n"
                + Fixtures.program("chainflip-engine", Fixtures.argv(runner), "engine_group = \"cf\"", Fixtures.FAST_ENGINE)).start()) {
            awaitRoles(a, "cf", "chainflip-engine", "ACTIVE");
            AgentStatus.GroupStatus before = group(a, "cf").orElseThrow();
            assertEquals("1.4.2", before.engines().get(0).version(), "the version running inside the runner");
            assertEquals("1.5.0", before.next(), "the version waiting inside it");
            assertTrue(before.upgradeReady());
            assertNull(before.lastHandover());
            String metrics = scrape(a);
            assertTrue(metrics.contains("baton_group_next_info{group=\"cf\",profile=\"chainflip\",version=\"1.5.0\"} 1"), metrics);
            assertTrue(metrics.contains("baton_version_info{group=\"cf\",program=\"chainflip-engine\",version=\"1.4.2\"} 1"), metrics);

            Files.writeString(upgrade, "");
            await().atMost(Duration.ofSeconds(30)).until(() -> "1.5.0".equals(group(a, "cf").orElseThrow().active()));
            AgentStatus.GroupStatus after = group(a, "cf").orElseThrow();
            assertNotNull(after.lastHandover());
            assertNull(after.error());
            List<HandoverRecord> switched = a.agent().handover().history(100).stream()
                    .filter(r -> r.kind().equals("ENGINE_SWITCHED")).toList();
            assertEquals(1, switched.size());
            assertTrue(switched.get(0).message().startsWith("cf: chainflip-engine switched from 1.4.2 to 1.5.0"), switched.get(0).message());
            assertEquals(0, a.status("chainflip-engine").restarts());
            assertTrue(scrape(a).contains("baton_group_last_handover_time_seconds{group=\"cf\",profile=\"chainflip\"}"));
        }
    }

    private static String scrape(InProcessAgent a) {
        try (BatonMetrics m = new BatonMetrics(a.agent().control(), Duration.ZERO)) {
            return new String(m.scrape(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
