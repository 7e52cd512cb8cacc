package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.engine;
import static dev.baton.agent.HandoverTest.group;
import static dev.baton.agent.HandoverTest.role;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine echoes others' words inside its own messages (an RPC node's error text, a peer's message).
 * The active engine quoting "This version '1.0.3' is no longer compatible with the release version
 * '1.1.0'" while its successor waits for 1.1.0 must keep working: before, baton idled it on that one
 * line and no engine worked (the chain was still at 1.0.0).
 */
class QuotedEngineWordsTest {
    @TempDir
    Path dir;

    private static String json(String level, String message) {
        return "{\"timestamp\":\"2024-05-01T10:00:00.000000Z\",\"level\":\"" + level + "\",\"fields\":{\"message\":\""
                + message.replace("\"", "\\\"") + "\"},\"target\":\"chainflip_engine::eth::rpc\"}";
    }

    @Test
    void theActiveEngineQuotingTheUpgradeLineKeepsWorking() throws Exception {
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path trigger = dir.resolve("trigger");
        Path quoted = dir.resolve("quoted.txt");
        Files.writeString(quoted, String.join("\n",
                json("WARN", "RPC request failed, node answered: \"This version '1.0.3' is no longer compatible with the"
                        + " release version '1.1.0' at block: 0x9a1f\""),
                json("INFO", "Waiting for Chainflip node to sync. Checking again in 6s ..."), "")); // marks the quote as read
        Path old = Fixtures.script(dir, "old.sh", """
                echo 'Starting chainflip-engine v1.0.3 (CI Build: "4a5c1d9")'
                echo '%s'
                while [ ! -f '%s' ]; do sleep 0.1; done
                cat '%s'
                exec sleep 600""".formatted(json("INFO", "Initialised StateChainClient at block `4021`"), trigger, quoted));
        String config = "[groups.chainflip]\nprofile = \"chainflip\"\n"
                + Fixtures.program("cfe10", Fixtures.argv(old), "engine_group = \"chainflip\"", Fixtures.FAST_ENGINE)
                + engine("cfe11", "chainflip", "1.1.0", release);
        try (InProcessAgent a = new InProcessAgent(dir).config(config).start()) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            Files.createFile(trigger);
            await().atMost(Duration.ofSeconds(30)).until(() -> Set.of("SYNCING", "IDLE").contains(role(a, "chainflip", "cfe10")));
            assertEquals("SYNCING", role(a, "chainflip", "cfe10"), "the quoted line was taken for the engine's own");
            assertEquals(ProcessState.RUNNING, a.status("cfe10").state());
            assertEquals("1.0.0", group(a, "chainflip").orElseThrow().release());
        }
    }
}
