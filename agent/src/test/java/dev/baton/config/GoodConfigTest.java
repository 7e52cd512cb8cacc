package dev.baton.config;

import dev.baton.process.os.Signals;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoodConfigTest {
    static final Path FILE = Path.of("/etc/baton/baton.toml");

    static BatonConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, FILE);
    }

    static ProgramConfig program(String toml, String name) throws ConfigException {
        return parse(toml).programs().get(name);
    }

    @Test
    void emptyFileGivesTheDefaults() throws ConfigException {
        BatonConfig config = parse("");
        assertEquals(AgentSettings.DEFAULT, config.agent());
        assertEquals(ApiSettings.DEFAULT, config.api());
        assertTrue(config.programs().isEmpty());
        assertEquals(List.of(FILE), config.sources());
    }

    @Test
    void programDefaultsApply() throws ConfigException {
        ProgramConfig p = program("[programs.engine]\ncommand = [\"/usr/bin/engine\"]\n", "engine");
        assertEquals(List.of("/usr/bin/engine"), p.command());
        assertFalse(p.shell());
        assertNull(p.directory());
        assertEquals(Map.of(), p.environment());
        assertTrue(p.inheritEnvironment());
        assertNull(p.user());
        assertNull(p.umask());
        assertEquals(100, p.priority());
        assertTrue(p.autostart());
        assertEquals(RestartPolicy.ON_FAILURE, p.restart());
        assertEquals(Set.of(0), p.exitCodes());
        assertEquals(Duration.ofSeconds(1), p.startSecs());
        assertEquals(3, p.startRetries());
        assertEquals(Backoff.DEFAULT, p.backoff());
        assertEquals(Signals.SIGTERM, p.stopSignal());
        assertEquals(Duration.ofSeconds(10), p.stopTimeout());
        assertEquals(LogSettings.DEFAULT, p.log());
        assertNull(p.engine());
        assertEquals(new Origin(FILE, 1), p.origin());
    }

    @Test
    void everyKeyIsRead() throws ConfigException {
        BatonConfig config = parse("""
                [agent]
                state_dir = "/srv/baton"
                log_mode = "raw"
                max_line_bytes = "1MiB"
                exit_on_fatal = true
                shutdown_timeout = "1m30s"

                [api]
                enabled = false
                listen = "::"
                port = 9000
                token_file = "/etc/baton/token"
                allow_remote = true

                [programs."chainflip-engine1.0"]
                command = ["/usr/bin/chainflip-engine1.0", "--config-root", "/etc/chainflip"]
                directory = "/var/lib/chainflip"
                environment = { RUST_LOG = "info", THREADS = 4, DEBUG = false }
                inherit_environment = false
                user = "flip"
                group = "flip"
                umask = "027"
                priority = 10
                autostart = false
                restart = "always"
                exit_codes = [0, 2]
                start_secs = "500ms"
                start_retries = "forever"
                backoff = { initial = "2s", max = "1h", multiplier = 1.5, jitter = 0, reset_after = 300 }
                stop_signal = "INT"
                stop_timeout = 30
                log = { stdout = false, file = "/var/log/baton/engine.log", max_bytes = "10MB", backups = 2, ring_lines = 0, ring_bytes = 4096 }
                engine_group = "chainflip"
                version = "1.0.0-rc.1+build.5"
                on_superseded = "usr1"
                """);
        assertEquals(new AgentSettings(Path.of("/srv/baton"), LogMode.RAW, 1024 * 1024, true, Duration.ofSeconds(90),
                AgentSettings.DEFAULT.stdoutSpill(), AgentSettings.DEFAULT.logStallTimeout()),
                config.agent());
        assertEquals(new ApiSettings(false, "::", 9000, Path.of("/etc/baton/token"), true), config.api());
        ProgramConfig p = config.programs().get("chainflip-engine1.0");
        assertEquals(List.of("/usr/bin/chainflip-engine1.0", "--config-root", "/etc/chainflip"), p.command());
        assertEquals(Path.of("/var/lib/chainflip"), p.directory());
        assertEquals(Map.of("RUST_LOG", "info", "THREADS", "4", "DEBUG", "false"), p.environment());
        assertFalse(p.inheritEnvironment());
        assertEquals("flip", p.user());
        assertEquals("flip", p.group());
        assertEquals(027, p.umask());
        assertEquals(10, p.priority());
        assertFalse(p.autostart());
        assertEquals(RestartPolicy.ALWAYS, p.restart());
        assertEquals(Set.of(0, 2), p.exitCodes());
        assertEquals(Duration.ofMillis(500), p.startSecs());
        assertEquals(ProgramConfig.RETRY_FOREVER, p.startRetries());
        assertEquals(new Backoff(Duration.ofSeconds(2), Duration.ofHours(1), 1.5, 0.0, Duration.ofMinutes(5)), p.backoff());
        assertEquals(Signals.SIGINT, p.stopSignal());
        assertEquals(Duration.ofSeconds(30), p.stopTimeout());
        assertEquals(new LogSettings(false, Path.of("/var/log/baton/engine.log"), 10_000_000, 2, 0, 4096), p.log());
        assertEquals(new EngineSettings("chainflip", "1.0.0-rc.1+build.5", "SIGUSR1"), p.engine());
        assertEquals(15, p.origin().line());
    }

    @Test
    void upgradeStepsOfASequentialGroup() throws ConfigException {
        String versions = """
                [programs.v1]
                command = ["/usr/bin/d1"]
                engine_group = "gaia"
                version = "1.0.0"
                [groups.gaia]
                profile = "cosmos"
                """;
        assertNull(parse(versions).groups().get("gaia").upgradeSteps(), "none configured: the next version starts at once");
        UpgradeSteps steps = parse(versions + """
                pre_upgrade = ["/usr/local/bin/pre-upgrade", "--home", "/var/lib/gaia"]
                pre_upgrade_retries = 3
                pre_upgrade_timeout = "2m"
                """).groups().get("gaia").upgradeSteps();
        assertEquals(new UpgradeSteps(List.of("/usr/local/bin/pre-upgrade", "--home", "/var/lib/gaia"), 3, Duration.ofMinutes(2),
                List.of(), UpgradeSteps.DEFAULT_BACKUP_TIMEOUT), steps);
        assertEquals(new UpgradeSteps(List.of(), 0, UpgradeSteps.DEFAULT_PRE_UPGRADE_TIMEOUT, List.of("/usr/local/bin/backup"),
                Duration.ofHours(3)), parse(versions + "backup = [\"/usr/local/bin/backup\"]\nbackup_timeout = \"3h\"\n")
                .groups().get("gaia").upgradeSteps());
    }

    @Test
    void stringCommandIsSplitLikeAShellWouldWithoutRunningOne() throws ConfigException {
        ProgramConfig p = program("""
                [programs.x]
                command = '''/usr/bin/x --name "two words" --raw 'it'\\''s' back\\ slash "a\\"b" '' '''
                """, "x");
        assertEquals(List.of("/usr/bin/x", "--name", "two words", "--raw", "it's", "back slash", "a\"b", ""), p.command());
        assertFalse(p.shell());
    }

    @Test
    void quotedShellCharactersAreFineWithoutAShell() throws ConfigException {
        ProgramConfig p = program("[programs.x]\ncommand = \"grep 'a|b' '$HOME' '*.log'\"\n", "x");
        assertEquals(List.of("grep", "a|b", "$HOME", "*.log"), p.command());
    }

    @Test
    void shellTrueRunsTheStringThroughBinSh() throws ConfigException {
        ProgramConfig p = program("[programs.x]\ncommand = \"/usr/bin/x | tee -a /tmp/x.log\"\nshell = true\n", "x");
        assertEquals(List.of("/bin/sh", "-c", "/usr/bin/x | tee -a /tmp/x.log"), p.command());
        assertTrue(p.shell());
    }

    @Test
    void inlineAndSubTableFormsAreTheSame() throws ConfigException {
        ProgramConfig inline = program("""
                [programs.x]
                command = "x"
                environment = { A = "1" }
                backoff = { initial = "3s", max = "9s" }
                log = { file = "/var/log/x.log", backups = 1 }
                """, "x");
        ProgramConfig tables = program("""
                [programs.x]
                command = "x"
                [programs.x.environment]
                A = "1"
                [programs.x.backoff]
                initial = "3s"
                max = "9s"
                [programs.x.log]
                file = "/var/log/x.log"
                backups = 1
                """, "x");
        ProgramConfig dotted = program("""
                [programs.x]
                command = "x"
                environment.A = "1"
                backoff.initial = "3s"
                backoff.max = "9s"
                log.file = "/var/log/x.log"
                log.backups = 1
                """, "x");
        assertEquals(Duration.ofSeconds(3), inline.backoff().initial());
        assertEquals(Path.of("/var/log/x.log"), inline.log().file());
        assertTrue(inline.sameRuntime(tables));
        assertTrue(inline.sameRuntime(dotted));
    }

    @Test
    void defaultsApplyUnlessAProgramSetsItsOwn() throws ConfigException {
        BatonConfig config = parse("""
                [defaults]
                stop_timeout = "20s"
                user = "flip"
                environment = { RUST_LOG = "info", TZ = "UTC" }
                log = { max_bytes = "5MiB" }

                [programs.a]
                command = "/bin/a"

                [programs.b]
                command = "/bin/b"
                stop_timeout = "3s"
                environment = { RUST_LOG = "debug" }
                log = { file = "/var/log/b.log" }
                """);
        ProgramConfig a = config.programs().get("a");
        ProgramConfig b = config.programs().get("b");
        assertEquals(Duration.ofSeconds(20), a.stopTimeout());
        assertEquals("flip", a.user());
        assertEquals(Map.of("RUST_LOG", "info", "TZ", "UTC"), a.environment());
        assertEquals(5L * 1024 * 1024, a.log().maxBytes());
        assertEquals(Duration.ofSeconds(3), b.stopTimeout());
        assertEquals("flip", b.user());
        assertEquals(Map.of("RUST_LOG", "debug", "TZ", "UTC"), b.environment(), "tables merge key by key");
        assertEquals(Path.of("/var/log/b.log"), b.log().file());
        assertEquals(5L * 1024 * 1024, b.log().maxBytes());
    }

    @Test
    void valueFormats() throws ConfigException {
        ProgramConfig p = program("""
                [programs.x]
                command = "x"
                start_secs = "1h2m3s4ms"
                stop_timeout = 0
                umask = 0o022
                stop_signal = 10
                start_retries = 0
                log = { max_bytes = "1GiB", ring_bytes = "2kb" }
                """, "x");
        assertEquals(Duration.ofHours(1).plusMinutes(2).plusSeconds(3).plusMillis(4), p.startSecs());
        assertEquals(Duration.ZERO, p.stopTimeout());
        assertEquals(022, p.umask());
        assertEquals(Signals.SIGUSR1, p.stopSignal());
        assertEquals(0, p.startRetries());
        assertEquals(1L << 30, p.log().maxBytes());
        assertEquals(2000, p.log().ringBytes());
    }

    @Test
    void programsAreInNameOrderAndUnmodifiable() throws ConfigException {
        BatonConfig config = parse("[programs.b]\ncommand = \"b\"\n[programs.a]\ncommand = \"a\"\n[programs.C]\ncommand = \"c\"\n");
        assertEquals(List.of("C", "a", "b"), List.copyOf(config.programs().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> config.programs().remove("a"));
    }

    @Test
    void byteOrderMarkAndCrlfAreAccepted() throws ConfigException {
        ProgramConfig p = program("\uFEFF[programs.x]\r\ncommand = \"x\"\r\npriority = 7\r\n", "x");
        assertEquals(7, p.priority());
        assertEquals(1, p.origin().line());
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                [agent]
                log_mode = "loud"
                [programs.a]
                command = "/bin/a"
                priority = -1
                [programs.b]
                stop_timout = "1s"
                """));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertEquals(List.of(2, 5, 6, 7), e.problems().stream().map(p -> p.origin().line()).toList(), "sorted by line");
    }
}
