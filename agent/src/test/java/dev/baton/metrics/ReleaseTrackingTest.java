package dev.baton.metrics;

import static dev.baton.metrics.MetricsScrapeTest.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.AgentStatus.GroupStatus;
import dev.baton.releases.FeedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One host, one engine group, a release feed on a real HTTP server: when 1.2.0 is published and no
 * engine of it is installed, the group says so (status and metrics); once the 1.2.0 engine is
 * installed and WAITING, the group is ready for it. On the way, the inventory's digest of what
 * the engine runs.
 */
class ReleaseTrackingTest {
    private static final String FEED = "[{\"tag_name\": \"v1.2.0\", \"draft\": false, \"prerelease\": false},"
            + " {\"tag_name\": \"v1.1.0\", \"draft\": false, \"prerelease\": false}]";

    @TempDir
    Path dir;

    @Test
    void aPublishedReleaseWithoutAnEngineOfItShowsUntilOneWaits() throws Exception {
        try (FeedServer feed = new FeedServer(FeedServer.ok(FEED.getBytes(StandardCharsets.UTF_8)));
             MetricsAgent agent = new MetricsAgent(dir)) {
            EngineFixture engines = new EngineFixture(agent, "1.1.0");
            String releases = "[groups.chainflip.releases]\njson_feed = \"" + feed.url("/releases") + "\"\n";
            agent.config(engines.config("1.1.0") + releases).start();

            await().atMost(Duration.ofSeconds(60)).until(() -> group(agent).published() != null
                    && group(agent).published().newest() != null && group(agent).active() != null);
            GroupStatus g = group(agent);
            assertEquals("1.2.0", g.published().newest().toString());
            assertNull(g.published().problem());
            assertFalse(g.publishedInstalled());
            assertFalse(g.publishedReady());
            Exposition e = agent.scrape();
            assertEquals(0, value(e, "baton_group_release_published_ready", "group", "chainflip"));
            assertEquals(1, value(e, "baton_group_release_published_info", "group", "chainflip", "version", "1.2.0"));
            assertEquals(0, value(e, "baton_group_release_source_failing", "group", "chainflip"));

            // The inventory: the SHA-256 of what the engine's process runs (a shell script: its shell)
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.control().status().binaries().containsKey("cfe-1-1-0"));
            int pid = agent.control().program("cfe-1-1-0").orElseThrow().pid();
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(Path.of("/proc/" + pid + "/exe"))));
            assertEquals(sha, agent.control().status().binaries().get("cfe-1-1-0").sha256());
            assertEquals(1, value(agent.scrape(), "baton_program_binary_info", "program", "cfe-1-1-0", "version", "1.1.0",
                    "sha256", sha));

            agent.reload(engines.config("1.1.0", "1.2.0") + releases);
            await().atMost(Duration.ofSeconds(60)).until(() -> group(agent).publishedReady());
            assertTrue(group(agent).publishedInstalled());
            assertEquals(1, value(agent.scrape(), "baton_group_release_published_ready", "group", "chainflip"));
            assertEquals(1, feed.requests.get(), "a reload that keeps the source keeps its schedule");
        }
    }

    private static GroupStatus group(MetricsAgent agent) {
        return agent.control().status().groups().stream().filter(g -> g.name().equals(EngineFixture.GROUP))
                .findFirst().orElseThrow();
    }
}
