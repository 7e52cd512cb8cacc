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

    static void assertEqualExceptOrigins(BatonConfig expected, BatonConfig actual) {
        assertEquals(expected.agent(), actual.agent());
        assertEquals(expected.api(), actual.api());
        assertEquals(expected.programs().keySet(), actual.programs().keySet());
        expected.programs().forEach((name, program) ->
                assertTrue(program.sameRuntime(actual.programs().get(name)), () -> program + "\n" + actual.programs().get(name)));
    }

    private static String withoutComments(String toml) {
        return toml.replaceAll("(?m)^#.*\n", "");
    }
}
