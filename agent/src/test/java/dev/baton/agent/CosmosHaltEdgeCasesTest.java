package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequential (cosmovisor) model with halts as real nodes write them in the cases CosmosUpgradeTest
 * does not cover: the halt line cut in two writes or without its newline, JSON logs with an info
 * object, upgrade names with blanks, slashes and dots, a node that halts and keeps running, a binary
 * the chain is past, the next version's binary missing or not executable at the height, and the agent
 * killed mid-switch.
 */
class CosmosHaltEdgeCasesTest {
    @TempDir
    Path dir;

    /**
     * $1 = version, $2 = home. Commits a block every 50 ms until the test writes $home/halt (a shell
     * snippet: the halt's output and exit); the running version takes it (so the next one does not
     * halt again) and runs it. Every start is counted in $home/starts-$1.
     */
    private static final String NODE = """
            ver="$1"; home="$2"
            echo x >> "$home/starts-$ver"
            echo "INF starting node with ABCI CometBFT in-process version=$ver"
            while ! mv "$home/halt" "$home/halt-taken-$ver" 2>/dev/null; do
              echo "INF committed state app_hash=9F86D081 height=1 module=state num_txs=0"
              sleep 0.05
            done
            . "$home/halt-taken-$ver"
            """;

    private Path home;

    private Path config() throws IOException {
        home = Files.createDirectories(dir.resolve("gaia"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        StringBuilder toml = new StringBuilder("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n[api]\nenabled = false\n\n"
                + "[defaults]\n" + HandoverTest.FAST + "\n[groups.gaia]\nprofile = \"cosmos\"\n\n");
        for (String v : new String[] {"17", "18"}) {
            Path node = Scripts.write(bin, "gaiad-v" + v, NODE);
            toml.append(Scripts.program("gaiad-v" + v, "[\"" + node + "\", \"v" + v + "\", \"" + home + "\"]",
                    "engine_group = \"gaia\"", "version = \"" + v + ".0.0\""));
        }
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, toml.toString());
        return config;
    }

    private long starts(String version) throws IOException {
        Path f = home.resolve("starts-" + version);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    /** Runs the agent, lets v17 halt with {@code halt} (a shell snippet) and expects v18 to take over, v17 run once. */
    private void switchesOn(String halt) throws Exception {
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
            Files.writeString(home.resolve("halt"), halt);
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v17").equals("IDLE"));
            assertEquals(1, starts("v17"), "the halted binary is not restarted into the same halt");
            assertEquals(1, starts("v18"));
            assertEquals(0, state.copies("gaiad-v17"));
            assertEquals(0, agent.sigterm());
        }
    }

    /** SDK 0.47: the error line, then Go's panic on stderr, exit 2. */
    private static String panics(String line) {
        return "echo '" + line + "'\necho 'panic: " + line + "' >&2\nexit 2\n";
    }

    @Test
    void anUpgradeNameWithBlanksSlashesAndDotsIsJustWords() throws Exception {
        switchesOn(panics("ERR UPGRADE \"v18 rc/../../etc\" NEEDED at height: 15: https://x/v18.tar.gz module=x/upgrade"));
    }

    /** zerolog's JSON (log_format = "json"), extra fields, info a JSON object carried as a string. */
    @Test
    void aJsonLogLineWithAnInfoObject() throws Exception {
        switchesOn(panics("{\"level\":\"error\",\"module\":\"x/upgrade\",\"height\":15,\"time\":\"2026-12-03T12:00:00Z\","
                + "\"message\":\"UPGRADE \\\"v18\\\" NEEDED at height: 15: {\\\"binaries\\\":{\\\"linux/amd64\\\":"
                + "\\\"https://x/gaiad?checksum=sha256:ab\\\"}}\",\"extra\":{\"a\":[1,2]}}"));
    }

    /** The line reaches the pipe in two writes; the second one ends the process without a newline. */
    @Test
    void aHaltLineInTwoWritesWithoutItsNewlineAtExit() throws Exception {
        switchesOn("printf 'ERR UPGRADE \"v18\" NEE'\nsleep 0.3\nprintf 'DED at height: 15: '\nexit 2\n");
    }

    /** SDK 0.50: the error, CometBFT's CONSENSUS FAILURE, and the process keeps running (baton stops it). */
    @Test
    void aNodeThatHaltsAndKeepsRunning() throws Exception {
        switchesOn("echo 'ERR UPGRADE \"v18\" NEEDED at height: 15: module=x/upgrade'\necho 'ERR CONSENSUS FAILURE!!! module=consensus'\n"
                + "while true; do sleep 0.05; done\n");
    }

    /**
     * A healthy node logs someone else's text holding the halt's words: a transaction memo as a
     * zerolog field (quotes escaped), a message that quotes a proposal after words of its own, the
     * same in JSON, and the early-binary refusal quoted. None is the halt: the node is neither
     * stopped nor put in error; the switch happens at the real halt line that follows, once.
     */
    @Test
    void haltWordsQuotedInsideOtherLinesAreNotTheHalt() throws Exception {
        String quotes = String.join("\n",
                "4:05PM INF indexed tx hash=9A1F memo=\"UPGRADE \\\"v18\\\" NEEDED at height: 1: see forum\" module=txindex",
                "4:05PM INF proposal text: UPGRADE \"v18\" NEEDED at height: 2: {} module=x/gov",
                "{\"level\":\"info\",\"memo\":\"UPGRADE \\\"v18\\\" NEEDED at height: 3\",\"message\":\"indexed tx\"}",
                "4:05PM ERR failed to execute message error=\"BINARY UPDATED BEFORE TRIGGER! UPGRADE \\\"v18\\\"\" module=baseapp");
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
            Files.writeString(home.resolve("quotes"), quotes + "\n");
            Files.writeString(home.resolve("halt"), "cat \"$home/quotes\"\n"
                    + panics("4:05PM ERR UPGRADE \"v18\" NEEDED at height: 15: module=x/upgrade"));
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v17").equals("IDLE"));
            String events = state.events("gaia");
            assertTrue(events.contains("ENGINE_IDLED gaia: gaiad-v17 (17.0.0) halted for the upgrade (\"4:05PM ERR UPGRADE"), events);
            assertFalse(events.contains("DO_NOT_RESTART"), events);
            assertEquals(1, starts("v17"));
            assertEquals(1, starts("v18"));
            assertEquals(0, agent.sigterm());
        }
    }

    /**
     * The versions declared from an older one than the chain runs (a cosmovisor host migrated with
     * genesis/bin and every upgrades/NAME/bin, or state_dir lost): at its first block x/upgrade's
     * downgrade check refuses the old binary ("wrong app version ..., upgrade handler is missing for
     * v18 upgrade plan", a panic in SDK 0.47, an error in 0.50) at every start. It is past: the next
     * version takes over instead of a restart loop of the old one.
     */
    @Test
    void aVersionOlderThanTheChainIsPassedNotRestartedInALoop() throws Exception {
        Path config = config();
        home = dir.resolve("gaia");
        // Every start of v17 refuses (the snippet puts itself back for it); v18 runs
        Files.writeString(home.resolve("halt"), """
                if [ "$ver" = v17 ]; then
                  cp "$home/halt-taken-$ver" "$home/halt"
                  echo 'ERR wrong app version 0, upgrade handler is missing for v18 upgrade plan module=x/upgrade'
                  echo 'panic: Wrong app version 0, upgrade handler is missing for v18 upgrade plan' >&2
                  exit 2
                fi
                while true; do echo 'INF committed state height=2 module=state'; sleep 0.05; done
                """);
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v17").equals("IDLE"));
            assertEquals(1, starts("v17"), "the binary the chain is past is not restarted");
            assertEquals(1, starts("v18"));
            assertEquals(0, agent.sigterm());
        }
    }

    /**
     * The agent killed mid-switch: the old node halted, still running and slow to stop (it ignores
     * SIGTERM), the switch saved. The restarted agent starts the new version once and never the old one.
     */
    @Test
    void anAgentKilledWhileTheHaltedNodeStopsCompletesTheSwitchOnce() throws Exception {
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        AgentProcess first = AgentProcess.start(config);
        await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
        Files.writeString(home.resolve("halt"), "trap '' TERM\necho 'ERR UPGRADE \"v18\" NEEDED at height: 15: module=x/upgrade'\n"
                + "while true; do sleep 0.05; done\n");
        await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("IDLE"));
        assertEquals(1, state.copies("gaiad-v17"), "still stopping (stop_timeout 5s)");
        first.sigkill();
        await().atMost(Duration.ofSeconds(20)).until(() -> state.copies("gaiad-v17") == 0);
        try (AgentProcess second = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE"));
            assertEquals(1, starts("v17"), "the halted binary is not started again");
            assertEquals(1, starts("v18"));
            assertEquals(1, state.copies("gaiad-v18"));
            assertEquals(0, second.sigterm());
        }
    }

    /**
     * The next version's binary is gone at the height (cosmovisor: no upgrades/NAME/bin/DAEMON and no
     * download: an error, the node down). The old binary is not restarted into the same halt, the new
     * one is retried, the group is in error with the fix, and the binary installed ends it.
     */
    @Test
    void theNextBinaryMissingAtTheHeight() throws Exception {
        nextBinaryBrokenAtTheHeight(Files::delete, b -> Scripts.write(b.getParent(), b.getFileName().toString(), NODE));
    }

    @Test
    void theNextBinaryNotExecutableAtTheHeight() throws Exception {
        nextBinaryBrokenAtTheHeight(b -> Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rw-r--r--")),
                b -> Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    private interface BinaryChange {
        void apply(Path binary) throws IOException;
    }

    private void nextBinaryBrokenAtTheHeight(BinaryChange breaking, BinaryChange fixing) throws Exception {
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        Path next = dir.resolve("bin/gaiad-v18");
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
            breaking.apply(next);
            Files.writeString(home.resolve("halt"), panics("ERR UPGRADE \"v18\" NEEDED at height: 15: module=x/upgrade"));
            await().atMost(Duration.ofSeconds(60)).until(() -> state.problem("gaia", "gaiad-v18").contains("cannot be started"));
            assertTrue(state.problem("gaia", "gaiad-v18").contains("baton status gaiad-v18"), state.problem("gaia", "gaiad-v18"));
            assertTrue(state.eventKinds("gaia").contains("SUCCESSOR_DOWN"), state.eventKinds("gaia"));
            assertEquals("IDLE", state.role("gaia", "gaiad-v17"));
            assertEquals(1, starts("v17"), "the halted binary is not restarted into the same halt");
            assertEquals(0, agent.sigterm());
        }
        try (AgentProcess agent = AgentProcess.start(config)) { // restarted meanwhile: still the error, still not the old binary
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.alive() && state.problem("gaia", "gaiad-v18").contains("cannot be started"));
            assertEquals(1, starts("v17"));

            fixing.apply(next);
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE"));
            assertEquals("", state.problem("gaia", "gaiad-v18"));
            assertEquals(1, starts("v17"));
            assertEquals(1, starts("v18"));
            assertEquals(0, agent.sigterm());
        }
    }
}
