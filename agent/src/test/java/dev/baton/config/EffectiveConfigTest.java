package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EffectiveConfigTest {
    static final Path FILE = Path.of("/etc/baton/baton.toml");
    static final Path PRINTED = Path.of("/tmp/effective.toml");

    static final String EVERYTHING = """
            [agent]
            state_dir = "/srv/baton"
            log_mode = "none"
            max_line_bytes = 5000
            exit_on_fatal = true
            shutdown_timeout = "1h1s"

            [api]
            enabled = true
            listen = "::1"
            port = 1
            token_file = "/etc/baton/my token"

            [defaults]
            stop_timeout = "20s"

            [programs."chainflip-engine1.0"]
            command = ["/usr/bin/chainflip-engine1.0", "--config-root", "/etc/chainflip", "quote\\"d", "tab\\there", "ünï", ""]
            directory = "/var/lib/chainflip"
            environment = { RUST_LOG = "info,p2p=debug", "LINES" = "a\\nb", N = 3 }
            inherit_environment = false
            user = "flip"
            group = "1000"
            umask = "077"
            priority = 0
            autostart = false
            restart = "never"
            exit_codes = [3, 0, 255]
            start_secs = "1500ms"
            start_retries = "forever"
            backoff = { initial = "0s", max = "24h", multiplier = 1.1, jitter = 0.33, reset_after = "90s" }
            stop_signal = "QUIT"
            log = { stdout = false, file = "/var/log/e.log", max_bytes = 1000, backups = 0, ring_lines = 100000, ring_bytes = "64MiB" }
            engine_group = "chainflip"
            version = "1.0.0"
            on_superseded = "keep"

            [programs.sh]
            command = "exec /usr/bin/x 2>&1 | logger -t 'x y'"
            shell = true
            engine_group = "chainflip"
            on_superseded = "HUP"

            [programs.plain]
            command = "plain --flag"
            """;

    @Test
    void effectiveConfigLoadsBackToAnEqualConfig() throws ConfigException {
        BatonConfig config = ConfigLoader.parse(EVERYTHING, FILE);
        BatonConfig again = ConfigLoader.parse(EffectiveConfig.toToml(config), PRINTED);
        assertEqualExceptOrigins(config, again);
    }

    @Test
    void aWarmStandbyProgramRoundTrips() throws ConfigException {
        BatonConfig config = ConfigLoader.parse("""
                [cluster]
                endpoints = ["http://10.0.0.5:2379"]
                host = "v1"
                lease_ttl = "30s"

                [programs.validator]
                command = ["/usr/bin/validator"]
                stop_timeout = "5s"
                exclusive = { lock = "identity", ready = "always", safe_moment = ["/bin/safe", "40"], identity = { acquire = ["/bin/acquire"], release = ["/bin/release"], verify_released = ["/bin/verify"] } }
                """, FILE);
        BatonConfig again = ConfigLoader.parse(EffectiveConfig.toToml(config), PRINTED);
        assertEqualExceptOrigins(config, again);
        assertEquals(config.cluster(), again.cluster());
    }

    @Test
    void defaultsOnlyRoundTrip() throws ConfigException {
        BatonConfig config = ConfigLoader.parse("", FILE);
        assertEqualExceptOrigins(config, ConfigLoader.parse(EffectiveConfig.toToml(config), PRINTED));
    }

    @Test
    void printsEveryDefaultExplicitly() throws ConfigException {
        String toml = EffectiveConfig.toToml(ConfigLoader.parse("[programs.a]\ncommand = \"/bin/a\"\n", FILE));
        for (String line : new String[] {"[agent]", "state_dir = \"/var/lib/baton\"", "log_mode = \"prefixed\"",
                "max_line_bytes = \"64KiB\"", "shutdown_timeout = \"2m\"", "[api]", "port = 9176", "[programs.a]",
                "# defined at /etc/baton/baton.toml:1", "command = [\"/bin/a\"]", "priority = 100",
                "restart = \"on-failure\"", "exit_codes = [0]", "start_retries = 3", "stop_signal = \"SIGTERM\"",
                "stop_timeout = \"10s\"",
                "backoff = { initial = \"1s\", max = \"1m\", multiplier = 2.0, jitter = 0.2, reset_after = \"1m\" }",
                "log = { stdout = true, max_bytes = \"50MiB\", backups = 5, ring_lines = 1000, ring_bytes = \"1MiB\" }"}) {
            assertTrue(toml.contains(line + "\n"), () -> "missing " + line + " in\n" + toml);
        }
    }

    @Test
    void printingIsStable() throws ConfigException {
        String once = EffectiveConfig.toToml(ConfigLoader.parse(EVERYTHING, PRINTED));
        String twice = EffectiveConfig.toToml(ConfigLoader.parse(once, PRINTED));
        assertEquals(withoutComments(once), withoutComments(twice));
    }

    /** Groups (profile, releases, steps between versions) and the [profiles.NAME] they use are printed and load back. */
    @Test
    void groupsAndTheirProfilesLoadBack() throws ConfigException {
        String toml = """
                [programs."chainflip-engine1.1"]
                command = ["/usr/bin/chainflip-engine1.1"]
                engine_group = "chainflip"
                version = "1.1.0"

                [groups.chainflip.releases]
                apt_index = "https://apt.example.org/Packages"
                package = "chainflip-engine*"
                interval = "2h"

                [programs.mychaind-v1]
                command = ["/usr/local/bin/mychaind-v1", "start"]
                engine_group = "mine"
                version = "1.0.0"

                [groups.mine]
                profile = "mychain"
                pre_upgrade = ["/usr/local/bin/pre-upgrade", "--home", "/var/lib/my chain"]
                pre_upgrade_retries = 2
                backup = ["/usr/local/bin/backup"]

                [profiles.mychain]
                compatibility = "major"
                handover = "sequential"

                [[profiles.mychain.rules]]
                event = "upgrade_needed"
                contains = ["NEEDED at height: "]
                regex = 'UPGRADE "[^"]+" NEEDED at height: \\d+'

                [[profiles.mychain.rules]]
                event = "do_not_restart"
                contains = ["BINARY UPDATED", "TRIGGER"]
                regex = 'BINARY UPDATED BEFORE TRIGGER!'
                fix = "put the old binary of {program} back"

                [profiles.unused]
                compatibility = "exact"
                [[profiles.unused.rules]]
                event = "active"
                contains = ["node is up"]
                regex = "node is up"
                """;
        BatonConfig config = ConfigLoader.parse(toml, FILE);
        String printed = EffectiveConfig.toToml(config);
        for (String line : new String[] {"[groups.chainflip]", "profile = \"chainflip\"",
                "releases = { apt_index = \"https://apt.example.org/Packages\", package = \"chainflip-engine*\", "
                        + "interval = \"2h\", timeout = \"30s\", pre_releases = false }",
                "[groups.mine]", "profile = \"mychain\"", "pre_upgrade_retries = 2", "pre_upgrade_timeout = \"5m\"",
                "backup_timeout = \"1h\"", "[profiles.mychain]", "handover = \"sequential\"", "[[profiles.mychain.rules]]"}) {
            assertTrue(printed.contains(line + "\n"), () -> "missing " + line + " in\n" + printed);
        }
        assertTrue(!printed.contains("[profiles.chainflip]") && !printed.contains("unused"), printed); // built in; not in use
        BatonConfig again = ConfigLoader.parse(printed, PRINTED);
        assertEqualExceptOrigins(config, again);
        assertEquals(printed.replaceAll("(?m)^#.*\n", ""), EffectiveConfig.toToml(again).replaceAll("(?m)^#.*\n", ""));
    }

    static void assertEqualExceptOrigins(BatonConfig expected, BatonConfig actual) {
        assertEquals(expected.agent(), actual.agent());
        assertEquals(expected.api(), actual.api());
        assertEquals(expected.programs().keySet(), actual.programs().keySet());
        expected.programs().forEach((name, program) ->
                assertTrue(program.sameRuntime(actual.programs().get(name)), () -> program + "\n" + actual.programs().get(name)));
        assertEquals(expected.groups().keySet(), actual.groups().keySet());
        expected.groups().forEach((name, g) -> {
            EngineGroupConfig a = actual.groups().get(name);
            assertEquals(g.programs(), a.programs());
            assertEquals(g.releases(), a.releases());
            assertEquals(g.upgradeSteps(), a.upgradeSteps());
            assertEquals(g.profile().name(), a.profile().name());
            assertEquals(g.profile().compatibility(), a.profile().compatibility());
            assertEquals(g.profile().handover(), a.profile().handover());
            assertEquals(g.profile().rules().stream().map(r -> r.kind() + " " + r.contains() + " " + r.regex().pattern()
                    + " " + r.fix()).toList(), a.profile().rules().stream().map(r -> r.kind() + " " + r.contains() + " "
                    + r.regex().pattern() + " " + r.fix()).toList());
        });
    }

    private static String withoutComments(String toml) {
        return toml.replaceAll("(?m)^#.*\n", "");
    }
}
