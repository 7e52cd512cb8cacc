package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's cosmos example, end to end: a fake Cosmos SDK daemon (one script, two "versions")
 * that commits blocks, halts at the upgrade height with x/upgrade's real lines and exit status (a Go
 * panic: 2), and refuses to run before its upgrade (BINARY UPDATED BEFORE TRIGGER!), as gaiad does.
 */
class CosmosUpgradeTest {
    @TempDir
    Path dir;

    /**
     * $1 = the upgrade this binary carries (v17, v18), $2 = the chain home (height, plan "NAME HEIGHT").
     * Every start is counted in $2/starts-$1. Block height h+1 is the next one: x/upgrade halts in it.
     */
    private static final String DAEMON = """
            ver="$1"; home="$2"
            echo x >> "$home/starts-$ver"
            h=$(cat "$home/height" 2>/dev/null || echo 0)
            echo "INF starting node with ABCI CometBFT in-process version=$ver"
            plan() { name=; ph=; [ -f "$home/plan" ] && read name ph < "$home/plan"; }
            plan
            if [ -n "$name" ] && [ "$ver" = "$name" ] && [ $((h + 1)) -lt "$ph" ]; then
              echo "panic: BINARY UPDATED BEFORE TRIGGER! UPGRADE \\"$name\\" - in binary but not executed on chain. Downgrade your binary"
              exit 2
            fi
            while true; do
              plan
              if [ -n "$name" ] && [ "$ver" != "$name" ] && [ $((h + 1)) -ge "$ph" ]; then
                echo "ERR UPGRADE \\"$name\\" NEEDED at height: $ph: {\\"binaries\\":{}} module=x/upgrade"
                echo "panic: UPGRADE \\"$name\\" NEEDED at height: $ph: {\\"binaries\\":{}}"
                exit 2
              fi
              h=$((h + 1))
              echo "$h" > "$home/height.tmp" && mv "$home/height.tmp" "$home/height"
              echo "INF committed state app_hash=9F86D081 height=$h module=state num_txs=0"
              sleep 0.05
            done
            """;

    /** The README's cosmos example as it stands, with the fake daemon for gaiad and faster restarts. */
    private Path config() throws IOException {
        return config("");
    }

    /** The README's cosmos example with {@code groupKeys} added to its [groups.gaia]. */
    private Path config(String groupKeys) throws IOException {
        Path gaiad = Scripts.write(dir, "gaiad", DAEMON);
        Path home = Files.createDirectories(dir.resolve("gaia"));
        Matcher block = Pattern.compile("```toml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("..", "README.md")));
        String example = null;
        while (block.find()) {
            if (block.group(1).contains("profile = \"cosmos\"")) {
                example = block.group(1);
            }
        }
        assertNotNull(example, "the README has a cosmos example");
        for (String v : new String[] {"v17", "v18"}) {
            String real = "[\"/usr/local/bin/gaiad-" + v + "\", \"start\", \"--home\", \"/var/lib/gaia\"]";
            assertTrue(example.contains(real), example);
            example = example.replace(real, "[\"" + gaiad + "\", \"" + v + "\", \"" + home + "\"]");
        }
        assertTrue(example.contains("[groups.gaia]\n"), example);
        example = example.replace("[groups.gaia]\n", "[groups.gaia]\n" + groupKeys);
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, "[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n[api]\nenabled = false\n\n"
                + "[defaults]\n" + HandoverTest.FAST + "\n" + example);
        return config;
    }

    private long height() throws IOException {
        String h = Files.exists(dir.resolve("gaia/height")) ? Files.readString(dir.resolve("gaia/height")).trim() : "";
        return h.isEmpty() ? 0 : Long.parseLong(h);
    }

    private long starts(String upgrade) throws IOException {
        Path f = dir.resolve("gaia/starts-" + upgrade);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    @Test
    void theNewBinaryStartsAtTheUpgradeHeightOnlyAndAgainAfterAnAgentRestart() throws Exception {
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v18").equals("WAITING"));
            assertEquals(0, state.copies("gaiad-v18"), "the new binary does not run before the upgrade");
            long plan = height() + 20;
            Files.writeString(dir.resolve("gaia/plan"), "v18 " + plan + "\n");

            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v17").equals("IDLE") && height() >= plan);
            assertEquals(0, state.copies("gaiad-v17"));
            assertEquals(1, state.copies("gaiad-v18"));
            assertEquals(1, starts("v17"), "the halted binary is not restarted into the same halt");
            assertEquals(1, starts("v18"), "the new binary started once, after the halt, not before");
            assertTrue(state.eventKinds("gaia").contains("SUCCESSOR_STARTED"), state.eventKinds("gaia"));
            assertEquals(0, agent.sigterm());
        }
        // The agent restarted after the switch: the new binary, and only it
        try (AgentProcess agent = AgentProcess.start(config)) {
            long before = height();
            await().atMost(Duration.ofSeconds(60)).until(() -> height() > before + 2);
            assertEquals(1, starts("v17"));
            assertEquals(2, starts("v18"));
            assertEquals(0, agent.sigterm());
        }
    }

    /** cosmovisor #22167: restarted at the upgrade height, the old binary halts again at once and the switch follows. */
    @Test
    void anAgentKilledJustBeforeTheHeightStillSwitchesAfterItsRestart() throws Exception {
        Path config = config();
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        AgentProcess first = AgentProcess.start(config);
        await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
        first.sigkill(); // its engines die with it (PR_SET_PDEATHSIG)
        await().atMost(Duration.ofSeconds(20)).until(() -> state.copies("gaiad-v17") == 0);
        Files.writeString(dir.resolve("gaia/plan"), "v18 " + (height() + 1) + "\n"); // the next block is the upgrade's

        try (AgentProcess second = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE")
                    && state.role("gaia", "gaiad-v17").equals("IDLE"));
            assertEquals(2, starts("v17"));
            assertEquals(1, starts("v18"));
            assertEquals(0, state.copies("gaiad-v17"));
            assertEquals(0, second.sigterm());
        }
    }

    /**
     * The pre-upgrade command, as cosmovisor runs it: each run appends to $home/pre-runs and exits with
     * the code of that line of $home/pre-codes (0 past the end); code 99 blocks until killed. The backup
     * appends to $home/backups and notes whether the new binary has run yet.
     */
    private String upgradeSteps(String codes, int retries) throws IOException {
        Path home = Files.createDirectories(dir.resolve("gaia"));
        Files.writeString(home.resolve("pre-codes"), codes);
        Path pre = Scripts.write(dir, "pre-upgrade", """
                home="$1"
                echo run >> "$home/pre-runs"
                n=$(wc -l < "$home/pre-runs")
                code=$(sed -n "${n}p" "$home/pre-codes"); code=${code:-0}
                if [ "$code" = 99 ]; then touch "$home/pre-blocked"; while true; do sleep 0.05; done; fi
                exit "$code"
                """);
        Path backup = Scripts.write(dir, "backup", """
                home="$1"
                if [ -f "$home/starts-v18" ]; then echo after-v18 >> "$home/backups"; else echo before-v18 >> "$home/backups"; fi
                """);
        return "pre_upgrade = [\"" + pre + "\", \"" + home + "\"]\npre_upgrade_retries = " + retries + "\npre_upgrade_timeout = \"1m\"\n"
                + "backup = [\"" + backup + "\", \"" + home + "\"]\n";
    }

    /** Lines of the agents' output (both streams) that contain {@code text}. */
    private long agentSaid(String text) throws IOException {
        long n = 0;
        for (String f : new String[] {"agent.stdout", "agent.stderr"}) {
            Path p = dir.resolve(f);
            n += Files.exists(p) ? Files.readAllLines(p).stream().filter(l -> l.contains(text)).count() : 0;
        }
        return n;
    }

    private long lines(String file) throws IOException {
        Path f = dir.resolve("gaia").resolve(file);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    /** Exit 31 runs the pre-upgrade command again; its exit 0 goes on to the backup, then the new binary starts. */
    @Test
    void preUpgradeRetriedOnExit31ThenBackupThenTheNewBinary() throws Exception {
        Path config = config(upgradeSteps("31\n0\n", 3));
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
            Files.writeString(dir.resolve("gaia/plan"), "v18 " + (height() + 5) + "\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE"));
            assertEquals(2, lines("pre-runs"), "exit 31, then 0");
            assertEquals(List.of("before-v18"), Files.readAllLines(dir.resolve("gaia/backups")));
            assertEquals(1, starts("v17"));
            assertEquals(1, starts("v18"));
            assertTrue(state.eventKinds("gaia").contains("UPGRADE_STEPS_STARTED SUCCESSOR_STARTED"), state.eventKinds("gaia"));
            assertEquals(0, agent.sigterm());
        }
    }

    /** Exit 30: the upgrade fails; neither binary runs, the group is in error with the fix, and stays so after a restart. */
    @Test
    void preUpgradeExit30FailsTheUpgradeAndStartsNothing() throws Exception {
        Path config = config(upgradeSteps("30\n", 3));
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
            Files.writeString(dir.resolve("gaia/plan"), "v18 " + (height() + 5) + "\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> state.problem("gaia", "gaiad-v18").contains("exited 30"));
            assertTrue(state.problem("gaia", "gaiad-v18").contains("stopped before gaiad-v18"), state.problem("gaia", "gaiad-v18"));
            assertTrue(state.eventKinds("gaia").contains("UPGRADE_STEPS_FAILED"), state.eventKinds("gaia"));
            assertEquals(1, lines("pre-runs"));
            assertEquals(0, lines("backups"), "no backup after a failed pre-upgrade");
            assertEquals(0, agent.sigterm());
        }
        long heldV17 = agentSaid("gaiad-v17: not started");
        long heldV18 = agentSaid("gaiad-v18: not started");
        try (AgentProcess agent = AgentProcess.start(config)) {
            // both versions judged by the restarted agent: held
            await().atMost(Duration.ofSeconds(60)).until(() -> agentSaid("gaiad-v18: not started") > heldV18
                    && agentSaid("gaiad-v17: not started") > heldV17);
            assertTrue(state.role("gaia", "gaiad-v17").equals("IDLE"), state.role("gaia", "gaiad-v17"));
            assertEquals(1, starts("v17"), "the halted binary is not restarted");
            assertEquals(0, starts("v18"), "the new binary is not started");
            assertEquals(1, lines("pre-runs"), "a failed upgrade is not run again by a restart");
            assertTrue(state.problem("gaia", "gaiad-v18").contains("exited 30"));
            assertEquals(0, agent.sigterm());
        }
    }

    /** The agent killed while the pre-upgrade command runs: at its restart the command runs again, then the new binary. */
    @Test
    void anAgentKilledDuringThePreUpgradeRunsItAgainAtRestart() throws Exception {
        Path config = config(upgradeSteps("99\n0\n", 0));
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        AgentProcess first = AgentProcess.start(config);
        await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE"));
        Files.writeString(dir.resolve("gaia/plan"), "v18 " + (height() + 5) + "\n");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("gaia/pre-blocked"))
                && state.eventKinds("gaia").contains("UPGRADE_STEPS_STARTED"));
        first.sigkill();
        try (AgentProcess second = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE"));
            assertEquals(2, lines("pre-runs"));
            assertEquals(1, starts("v17"), "the halted binary is not started again");
            assertEquals(1, starts("v18"));
            assertEquals(0, second.sigterm());
        }
    }

    /**
     * baton add-upgrade (cosmovisor's habit): the drop-in is written with the newest version's settings,
     * checked, loaded by the agent, and the plan printed; at the next upgrade the new binary takes over.
     */
    @Test
    void addUpgradeRegistersTheNextVersionAndItStartsAtItsUpgrade() throws Exception {
        Path config = config();
        Files.writeString(config, Files.readString(config).replace("[api]\nenabled = false\n",
                "[api]\nport = " + dev.baton.api.RunningAgent.freePort() + "\n"));
        AgentStateProbe state = new AgentStateProbe(dir.resolve("state"));
        Path gaiad = dir.resolve("gaiad");
        try (AgentProcess agent = AgentProcess.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v17").equals("ACTIVE")
                    && Files.exists(dir.resolve("state/api.sock")));
            String[] base = {"--config", config.toString(), "--socket", dir.resolve("state/api.sock").toString()};

            Cli older = cli(base, "add-upgrade", "gaia", "18.0.0", gaiad.toString(), "v19");
            assertEquals(2, older.code(), older.err());
            assertTrue(older.err().contains("not newer than gaiad-v18 (18.0.0)"), older.err());
            Cli missing = cli(base, "add-upgrade", "gaia", "19.0.0", dir.resolve("nope").toString());
            assertEquals(2, missing.code(), missing.err());
            assertTrue(missing.err().contains("install the upgrade's binary first"), missing.err());

            Cli added = cli(base, "add-upgrade", "gaia", "19.0.0", gaiad.toString(), "v19", dir.resolve("gaia").toString());
            assertEquals(0, added.code(), added.err());
            Path dropIn = dir.resolve("conf.d/gaia-19.0.0.toml");
            assertTrue(added.out().contains("wrote " + dropIn) && added.out().contains("reloaded: added gaia-19.0.0"), added.out());
            assertTrue(added.out().matches("(?s).*gaiad-v17 +17\\.0\\.0 +runs now\n.*gaiad-v18 +18\\.0\\.0 +starts when gaiad-v17 halts.*"
                    + "gaia-19\\.0\\.0 +19\\.0\\.0 +starts when gaiad-v18 halts.*"), added.out());
            String toml = Files.readString(dropIn);
            assertTrue(toml.contains("[programs.gaia-19\\.0\\.0]") || toml.contains("[programs.\"gaia-19.0.0\"]"), toml);
            assertTrue(toml.contains("engine_group = \"gaia\"") && toml.contains("version = \"19.0.0\"")
                    && toml.contains("restart = \"always\""), toml);
            assertEquals(0, state.copies("gaia-19.0.0"), "registered, not started before its upgrade");

            Cli twice = cli(base, "add-upgrade", "gaia", "20.0.0", gaiad.toString(), "--name", "gaia-19.0.0");
            assertEquals(2, twice.code(), twice.err());

            // v17 halts for v18, then v18 for v19: the registered version takes over at its upgrade
            Files.writeString(dir.resolve("gaia/plan"), "v18 " + (height() + 3) + "\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaiad-v18").equals("ACTIVE"));
            Cli status = cli(base, "status");
            assertTrue(status.out().contains("gaia-19.0.0 starts when gaiad-v18 (18.0.0) halts"), status.out()); // not v17's words
            Files.writeString(dir.resolve("gaia/plan"), "v19 " + (height() + 3) + "\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> state.role("gaia", "gaia-19.0.0").equals("ACTIVE"));
            assertEquals(1, starts("v19"));
            assertEquals(0, agent.sigterm());
        }
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String[] base, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of(base));
        int code = new picocli.CommandLine(new dev.baton.cli.Main()).setOut(new java.io.PrintWriter(out))
                .setErr(new java.io.PrintWriter(err)).execute(all.toArray(String[]::new));
        return new Cli(code, out.toString(), err.toString());
    }
}
