package dev.baton.config;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configs that must be refused, each with the fragments its message must carry: file, line, key
 * path and the hint. Files are written to a temp dir and loaded from {@code baton.toml} there.
 */
class BadConfigTest {
    private static final String MAIN = "baton.toml";
    private static final String ENGINE = "[programs.engine]\ncommand = [\"/usr/bin/engine\"]\n";
    private static final String ENGINE_IN_GROUP = ENGINE + "engine_group = \"chainflip\"\n\n";

    record Case(String name, Map<String, String> files, List<String> fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    @TempDir
    Path dir;

    static Stream<Case> cases() {
        return Stream.of(
                // wrong types
                main("bool as string", "[agent]\nexit_on_fatal = \"yes\"\n",
                        "baton.toml:2: agent.exit_on_fatal: expected true or false, got \"yes\""),
                main("quoted boolean", "[agent]\nexit_on_fatal = \"true\"\n",
                        "baton.toml:2: agent.exit_on_fatal:", "(write true or false without quotes)"),
                main("quoted number", "[api]\nport = \"9176\"\n",
                        "baton.toml:2: api.port: expected an integer from 1 to 65535, got \"9176\" (write numbers without quotes)"),
                main("string expected, array given", ENGINE + "user = [\"flip\"]\n",
                        "baton.toml:3: programs.engine.user: expected a user name or id such as \"flip\" or \"1000\", got an array"),
                main("date where a string belongs", ENGINE + "user = 1979-05-27\n",
                        "baton.toml:3: programs.engine.user:", "got a date/time (1979-05-27)"),
                main("section not a table", "agent = 5\n",
                        "baton.toml:1: agent: expected a table such as agent = { ... } or a [agent] section, got 5"),
                main("sub-table not a table", ENGINE + "log = \"/var/log/x\"\n",
                        "baton.toml:3: programs.engine.log: expected a table such as log = { ... }"),
                main("program not a table", "[programs]\nengine = 5\n",
                        "baton.toml:2: programs.engine: expected a table [programs.engine], got 5"),
                // durations, sizes, signals, umask
                main("bad duration", ENGINE + "\n\n\nstop_timeout = \"ten seconds\"\n",
                        "baton.toml:6: programs.engine.stop_timeout: expected a duration such as \"10s\" or \"500ms\", got \"ten seconds\""),
                main("duration too long", ENGINE + "stop_timeout = \"48h\"\n",
                        "baton.toml:3: programs.engine.stop_timeout: expected a duration from 0s to 24h, got \"48h\""),
                main("float duration", ENGINE + "start_secs = 1.5\n",
                        "programs.engine.start_secs: expected a duration such as \"10s\" or \"500ms\", got 1.5"),
                main("huge bare duration", ENGINE + "stop_timeout = 99999999999999999999999\n",
                        "baton.toml:3: programs.engine.stop_timeout: expected a much smaller integer", "99999999999999999999999"),
                main("bad size", "[agent]\nmax_line_bytes = \"64 kilobytes\"\n",
                        "baton.toml:2: agent.max_line_bytes: expected a size such as \"64KiB\", \"50MiB\" or a number of bytes, got \"64 kilobytes\""),
                main("size out of range", "[agent]\nmax_line_bytes = \"1GiB\"\n",
                        "agent.max_line_bytes: expected a size from 1KiB to 16MiB, got \"1GiB\""),
                main("spill smaller than two longest lines", "[agent]\nmax_line_bytes = \"1MiB\"\nstdout_spill = \"1MiB\"\n",
                        "baton.toml:3: agent.stdout_spill: stdout_spill (1048576 bytes) must be at least twice max_line_bytes "
                                + "(1048576 bytes): raise stdout_spill to 2097152 or lower max_line_bytes"),
                main("stall timeout out of range", "[agent]\nlog_stall_timeout = \"10ms\"\n",
                        "baton.toml:2: agent.log_stall_timeout: expected a duration from"),
                main("bad signal", ENGINE + "stop_signal = \"TREM\"\n",
                        "baton.toml:3: programs.engine.stop_signal: unknown signal 'TREM': expected a name such as TERM"),
                main("bad umask", ENGINE + "umask = \"099\"\n",
                        "baton.toml:3: programs.engine.umask: expected an octal umask from \"000\" to \"777\" such as \"022\""),
                // unknown keys and sections
                main("misspelt key", ENGINE + "stop_timout = \"5s\"\n",
                        "baton.toml:3: programs.engine.stop_timout: unknown key 'stop_timout' in [programs.engine]; did you mean 'stop_timeout'?"),
                main("program name with an unquoted dot", "[programs.chainflip-engine1.1]\ncommand = \"/bin/x\"\n",
                        "baton.toml:1: programs.chainflip-engine1.1: [programs.chainflip-engine1.1] is read as the program"
                                + " 'chainflip-engine1' with a table '1': a program name with a dot must be quoted,"
                                + " [programs.\"chainflip-engine1.1\"]"),
                main("misspelt table of a program", ENGINE + "[programs.engine.enviroment]\nA = \"b\"\n",
                        "programs.engine.enviroment: unknown key 'enviroment' in [programs.engine]; did you mean 'environment'?"),
                main("unknown key far from all", "[agent]\nflavour = 1\n",
                        "baton.toml:2: agent.flavour: unknown key 'flavour' in [agent]; valid keys: exit_on_fatal, log_mode, log_stall_timeout, max_line_bytes, shutdown_timeout, state_dir, stdout_spill"),
                main("misspelt key in inline table", ENGINE + "log = { stdout = true, ring_line = 5 }\n",
                        "baton.toml:3: programs.engine.log.ring_line: unknown key 'ring_line' in [programs.engine.log]; did you mean 'ring_lines'?"),
                main("misspelt section", "[agnet]\nstate_dir = \"/x\"\n",
                        "baton.toml:1: agnet: unknown section [agnet]; did you mean [agent]?"),
                main("key outside its section", "port = 9176\n",
                        "baton.toml:1: port: unknown section [port]; 'port' belongs in [api]"),
                main("cluster without endpoints", "[cluster]\nendpoints = []\n",
                        "baton.toml:2: cluster.endpoints: at least one etcd URL is needed"),
                main("misspelt choice", ENGINE + "restart = \"alway\"\n",
                        "programs.engine.restart: expected one of never, on-failure, always, got \"alway\"; did you mean 'always'?"),
                main("misspelt log mode", "[agent]\nlog_mode = \"prefix\"\n",
                        "agent.log_mode: expected one of raw, prefixed, none, got \"prefix\"; did you mean 'prefixed'?"),
                // TOML syntax
                main("duplicate key", ENGINE + "priority = 1\n\npriority = 2\n",
                        "baton.toml:5: programs.engine.priority: defined twice (first at line 3): keep one, or merge the two"),
                main("duplicate table", "[api]\nport = 1\n[agent]\n[api]\nenabled = true\n",
                        "baton.toml:4: api: defined twice (first at line 1)"),
                main("unquoted string", "[agent]\n\nstate_dir = /var/lib/baton\n",
                        "baton.toml:3: TOML syntax error at column", "strings need quotes"),
                main("unclosed string", "[agent]\nstate_dir = \"/var/lib/baton\n",
                        "baton.toml:2: TOML syntax error at column", "the line ends too early"),
                main("inline table extended later", ENGINE + "log = { stdout = true }\n[programs.engine.log]\nfile = \"/x\"\n",
                        "baton.toml:4: programs.engine.log: defined twice (first at line 3)"),
                main("inline table extended by a dotted key", ENGINE + "log = { stdout = true }\nlog.file = \"/x\"\n",
                        "baton.toml:4: TOML syntax error", "inline table { ... } cannot be extended later"),
                // files
                files("program defined twice across drop-ins", Map.of(
                                MAIN, ENGINE,
                                "conf.d/20-engine.toml", "# the same again\n" + ENGINE),
                        "conf.d/20-engine.toml:2: programs.engine: program 'engine' is defined twice: first at ",
                        "baton.toml:1, again here"),
                files("agent section in a drop-in", Map.of(MAIN, "", "conf.d/a.toml", "[agent]\nexit_on_fatal = true\n"),
                        "conf.d/a.toml:1: agent: [agent] is only allowed in the main config file: move it to "),
                files("defaults in a drop-in", Map.of(MAIN, "", "conf.d/a.toml", "[defaults]\npriority = 5\n"),
                        "conf.d/a.toml:1: defaults: [defaults] is only allowed in the main config file"),
                files("drop-in directory is a file", Map.of(MAIN, "", "conf.d", "x"),
                        "conf.d: is not a directory"),
                files("missing main file", Map.of("other.toml", ""), "baton.toml: config file not found"),
                files("not UTF-8", Map.of(MAIN, "\u0000LATIN1"), "baton.toml: is not UTF-8 text"),
                // paths
                main("relative directory", ENGINE + "directory = \"var/lib/x\"\n",
                        "baton.toml:3: programs.engine.directory: expected an absolute path such as \"/var/lib/baton\", got \"var/lib/x\""),
                main("relative state_dir", "[agent]\nstate_dir = \"baton\"\n", "baton.toml:2: agent.state_dir: expected an absolute path"),
                main("relative log file", ENGINE + "[programs.engine.log]\nfile = \"x.log\"\n",
                        "baton.toml:4: programs.engine.log.file: expected an absolute path"),
                // commands
                main("pipe without shell", "[programs.engine]\ncommand = \"/usr/bin/engine | tee /tmp/x\"\n",
                        "baton.toml:2: programs.engine.command: contains '|', which only a shell understands: set shell = true"),
                main("and-and without shell", "[programs.engine]\ncommand = \"/bin/a && /bin/b\"\n", "contains '&&'"),
                main("expansion without shell", "[programs.engine]\ncommand = \"/bin/a --home \\\"$HOME\\\"\"\n",
                        "contains '$HOME'"),
                main("array with shell", "[programs.engine]\ncommand = [\"/bin/a\"]\nshell = true\n",
                        "programs.engine.command: shell = true takes the command as one string"),
                main("empty string command", "[programs.engine]\ncommand = \"  \"\n", "baton.toml:2: programs.engine.command: is empty"),
                main("empty array command", "[programs.engine]\ncommand = []\n", "programs.engine.command: is empty"),
                main("missing command", "[programs.engine]\npriority = 5\n",
                        "baton.toml:1: programs.engine.command: missing: every program needs a command"),
                main("relative command", "[programs.engine]\ncommand = \"./engine --x\"\n",
                        "programs.engine.command: './engine' is a relative path: write it absolute (such as /usr/bin/engine), or as a bare name"),
                main("unclosed quote in command", "[programs.engine]\ncommand = \"/bin/a 'b\"\n",
                        "programs.engine.command: the command has a ' quote that is never closed"),
                main("non-string argument", "[programs.engine]\ncommand = [\"/bin/a\", 5]\n",
                        "programs.engine.command: item 2: expected a string, got 5"),
                // names
                main("name escaping the directory", "[programs.\"../etc\"]\ncommand = \"x\"\n",
                        "baton.toml:1: programs.\"../etc\": invalid program name \"../etc\": use letters, digits"),
                main("name with a space", "[programs.\"my engine\"]\ncommand = \"x\"\n", "invalid program name \"my engine\""),
                main("name with a slash", "[programs.\"a/b\"]\ncommand = \"x\"\n", "invalid program name \"a/b\""),
                main("bad environment name", ENGINE + "environment = { \"1BAD\" = \"x\" }\n",
                        "baton.toml:3: programs.engine.environment.1BAD: expected a variable name such as RUST_LOG"),
                main("environment value not a scalar", ENGINE + "[programs.engine.environment]\nA = [1]\n",
                        "baton.toml:4: programs.engine.environment.A: expected a string (numbers and booleans are converted), got an array"),
                // ranges
                main("priority out of range", ENGINE + "priority = 1000\n",
                        "baton.toml:3: programs.engine.priority: expected an integer from 0 to 999, got 1000"),
                main("negative retries", ENGINE + "start_retries = -1\n",
                        "programs.engine.start_retries: expected an integer from 0 to 1000000 or \"forever\", got -1"),
                main("exit code out of range", ENGINE + "exit_codes = [0, 256]\n",
                        "programs.engine.exit_codes: item 2: expected an integer from 0 to 255, got 256"),
                main("19-digit integer (Jackson would read 0)", ENGINE + "priority = 1000000000000000000\n",
                        "baton.toml:3: programs.engine.priority: expected a much smaller integer", "got 1000000000000000000"),
                main("huge integer", "[api]\nport = 99999999999999999999999999\n",
                        "baton.toml:2: api.port: expected a much smaller integer"),
                main("huge float", ENGINE + "backoff = { multiplier = 1e400 }\n",
                        "programs.engine.backoff.multiplier: expected a number from 1 to 100, got 1E+400"),
                main("jitter above 1", ENGINE + "[programs.engine.backoff]\njitter = 1.5\n",
                        "baton.toml:4: programs.engine.backoff.jitter: expected a number from 0 to 1, got 1.5"),
                main("backoff max below initial", ENGINE + "backoff = { initial = \"10s\", max = \"5s\" }\n",
                        "programs.engine.backoff.max: the longest delay (max = \"5s\") is shorter than the first one"),
                main("remote listen without permission", "[api]\nlisten = \"0.0.0.0\"\n",
                        "baton.toml:2: api.listen: \"0.0.0.0\" is not a loopback address", "set allow_remote = true"),
                main("listen on a host name", "[api]\nlisten = \"example.org\"\n",
                        "api.listen: expected an IP address such as \"127.0.0.1\" or \"::1\", got \"example.org\""),
                // engines
                // release sources: ENGINE_IN_GROUP is 4 lines, the [groups...releases] header is line 5
                main("apt index without a package", ENGINE_IN_GROUP + "[groups.chainflip.releases]\n"
                                + "apt_index = \"https://repo.example/Packages\"\n",
                        "baton.toml:5: groups.chainflip.releases: apt_index needs package = \"NAME\""),
                main("release feed not over http", ENGINE_IN_GROUP + "[groups.chainflip.releases]\n"
                                + "json_feed = \"file:///etc/shadow\"\n",
                        "baton.toml:6: groups.chainflip.releases.json_feed: expected an http:// or https:// URL"),
                main("release feed with a password", ENGINE_IN_GROUP + "[groups.chainflip.releases]\n"
                                + "json_feed = \"https://me:secret@example.org/releases\"\n",
                        "baton.toml:6: groups.chainflip.releases.json_feed: a URL with a user or password is refused"),
                main("two release sources", ENGINE_IN_GROUP + "[groups.chainflip.releases]\n"
                                + "json_feed = \"https://example.org/r\"\napt_index = \"https://example.org/Packages\"\n"
                                + "package = \"cfe\"\n",
                        "baton.toml:6: groups.chainflip.releases.json_feed: set apt_index or json_feed, not both"),
                main("release poll too often", ENGINE_IN_GROUP + "[groups.chainflip.releases]\n"
                                + "json_feed = \"https://example.org/r\"\ninterval = \"5s\"\n",
                        "baton.toml:7: groups.chainflip.releases.interval: expected a duration from 1m to 24h"),
                main("version without engine_group", ENGINE + "version = \"1.0.0\"\n",
                        "baton.toml:3: programs.engine.version: only applies to an engine", "add engine_group = \"NAME\""),
                main("bad semver", ENGINE + "engine_group = \"chainflip\"\nversion = \"1.0\"\n",
                        "baton.toml:4: programs.engine.version: expected a version x.y.z[-pre][+build] such as \"1.0.0\""),
                main("bad engine group name", ENGINE + "engine_group = \"chain flip\"\n",
                        "programs.engine.engine_group: expected an engine group name of letters, digits"),
                main("bad on_superseded", ENGINE + "engine_group = \"cf\"\non_superseded = \"pause\"\n",
                        "programs.engine.on_superseded: expected stop, keep or a signal name such as \"USR1\", got \"pause\""),
                main("sequential group without versions", ENGINE + "engine_group = \"gaia\"\n[groups.gaia]\nprofile = \"cosmos\"\n",
                        "baton.toml:1: programs.engine.engine_group: engine group 'gaia' hands over sequentially (profile 'cosmos')",
                        "add version = \"X.Y.Z\" to [programs.engine]"),
                main("pre-upgrade in a side-by-side group", ENGINE + "engine_group = \"chainflip\"\n[groups.chainflip]\n"
                        + "pre_upgrade = [\"/usr/local/bin/pre\"]\n",
                        "baton.toml:5: groups.chainflip.pre_upgrade: only a sequential group", "remove pre_upgrade"),
                main("pre-upgrade not absolute", ENGINE + "engine_group = \"gaia\"\nversion = \"1.0.0\"\n[groups.gaia]\n"
                        + "profile = \"cosmos\"\npre_upgrade = [\"pre\"]\n",
                        "baton.toml:7: groups.gaia.pre_upgrade: expected a command with an absolute path", "got \"pre\""),
                main("pre-upgrade retries without the command", ENGINE + "engine_group = \"gaia\"\nversion = \"1.0.0\"\n"
                        + "[groups.gaia]\nprofile = \"cosmos\"\npre_upgrade_retries = 3\n",
                        "baton.toml:7: groups.gaia.pre_upgrade_retries: pre_upgrade_retries without pre_upgrade"),
                main("pre-upgrade retries negative", ENGINE + "engine_group = \"gaia\"\nversion = \"1.0.0\"\n[groups.gaia]\n"
                        + "profile = \"cosmos\"\npre_upgrade = [\"/bin/true\"]\npre_upgrade_retries = -1\n",
                        "baton.toml:8: groups.gaia.pre_upgrade_retries:"),
                main("backup timeout not a duration", ENGINE + "engine_group = \"gaia\"\nversion = \"1.0.0\"\n[groups.gaia]\n"
                        + "profile = \"cosmos\"\nbackup = [\"/bin/true\"]\nbackup_timeout = \"long\"\n",
                        "baton.toml:8: groups.gaia.backup_timeout: expected a duration"),
                main("upgrade rule in a side-by-side profile", ENGINE + "engine_group = \"x\"\n[profiles.x]\ncompatibility = \"major\"\n"
                        + "[[profiles.x.rules]]\nevent = \"upgrade_needed\"\ncontains = [\"NEEDED\"]\nregex = 'NEEDED'\n",
                        "profiles.x.handover: a rule with event = \"upgrade_needed\" needs handover = \"sequential\""),
                main("rule matching ordinary output", ENGINE + "engine_group = \"x\"\n[profiles.x]\ncompatibility = \"major\"\n"
                        + "[[profiles.x.rules]]\nevent = \"do_not_restart\"\ncontains = [\" \"]\nregex = '.'\n",
                        "baton.toml:9: profiles.x.rules[0].regex: with its contains, it matches ordinary output such as",
                        "so every such line would be read as do_not_restart: put words only that line has in contains and regex"),
                main("unknown handover model", ENGINE + "engine_group = \"x\"\n[profiles.x]\ncompatibility = \"major\"\n"
                        + "handover = \"cosmovisor\"\n[[profiles.x.rules]]\nevent = \"active\"\ncontains = [\"ok\"]\nregex = 'ok'\n",
                        "profiles.x.handover: unknown handover model 'cosmovisor' (valid: \"side-by-side\" (default), \"sequential\")"),
                // defaults and cross-program checks
                main("command in defaults", "[defaults]\ncommand = \"/bin/x\"\n",
                        "baton.toml:2: defaults.command: a command cannot have a default"),
                main("bad value in defaults reported where it is", "[defaults]\nstop_timeout = \"forever\"\n" + ENGINE,
                        "baton.toml:2: defaults.stop_timeout: expected a duration"),
                main("shared log file", ENGINE + "log = { file = \"/var/log/x.log\" }\n"
                                + "[programs.other]\ncommand = \"/bin/other\"\nlog = { file = \"/var/log/x.log\" }\n",
                        "baton.toml:4: programs.other.log.file: the log file /var/log/x.log is also used by program 'engine'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refused(Case c) throws IOException {
        for (Map.Entry<String, String> file : c.files.entrySet()) {
            Path path = dir.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            byte[] bytes = file.getValue().equals("\u0000LATIN1")
                    ? new byte[] {'a', ' ', '=', ' ', '"', (byte) 0xE9, '"', '\n'}
                    : file.getValue().getBytes(StandardCharsets.UTF_8);
            Files.write(path, bytes);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve(MAIN)));
        for (String fragment : c.fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "missing '" + fragment + "' in:\n" + e.getMessage());
        }
    }

    private static Case main(String name, String toml, String... fragments) {
        return new Case(name, Map.of(MAIN, toml), List.of(fragments));
    }

    private static Case files(String name, Map<String, String> files, String... fragments) {
        return new Case(name, new LinkedHashMap<>(files), List.of(fragments));
    }
}
