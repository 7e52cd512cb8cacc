package dev.baton.config;

import dev.baton.process.os.ResourceLimit;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.process.os.Signals;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads {@code [programs.NAME]} and checks {@code [defaults]}, which may hold any program key but the command. */
final class ProgramSection {
    static final Set<String> KEYS;
    static final Map<String, RestartPolicy> RESTART = ConfigNode.names(RestartPolicy.values(), RestartPolicy::configName);
    static final String FOREVER = "forever";
    static final int MAX_START_RETRIES = 1_000_000;

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A user or group name (useradd's rule): never starting with a digit, so a name is never read as an id. */
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?");
    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{1,10}");
    /** The largest id: 4294967295 is (uid_t) -1, "leave unchanged" to setresuid(2). */
    private static final long MAX_ACCOUNT_ID = 4_294_967_294L;
    private static final Pattern OCTAL = Pattern.compile("(0o)?[0-7]{1,4}");
    private static final int MAX_UMASK = 0777;

    static {
        Set<String> keys = new HashSet<>(Set.of("command", "shell", "directory", "environment", "inherit_environment",
                "user", "group", "umask", "priority", "autostart", "restart", "exit_codes", "start_secs",
                "start_retries", "backoff", "stop_signal", "stop_timeout", "log", "no_restart_exit_codes", "limits",
                "ignore_sigpipe", "allow_external_copies",
                ClusterSection.KEY));
        keys.addAll(EngineSection.KEYS);
        KEYS = Set.copyOf(keys);
    }

    private ProgramSection() {
    }

    /** A program; {@code node} may have {@code [defaults]} as its fallback. */
    static ProgramConfig read(String name, ConfigNode node) {
        node.rejectUnknownKeys(withUnquotedDots(name, node));
        if (!Names.valid(name)) {
            node.problem("invalid program name " + TomlSyntax.string(name) + ": use " + Names.RULE);
        } else if (Names.reserved(name)) {
            node.problem("program name " + TomlSyntax.string(name) + " is reserved (" + String.join(" and ",
                    new TreeSet<>(Names.RESERVED)) + " mean something else to baton's commands and logs, in any case): "
                    + "choose another name");
        }
        boolean shell = node.bool("shell", false);
        return settings(name, node, shell, CommandSetting.read(node, shell));
    }

    /**
     * TOML reads {@code [programs.chainflip-engine1.1]} as a program {@code chainflip-engine1} with a
     * table {@code 1}: each such table is reported with the quoting that names the program as meant.
     *
     * @return the known keys plus those tables (reported here, not again as unknown keys)
     */
    private static Set<String> withUnquotedDots(String name, ConfigNode node) {
        Set<String> known = new HashSet<>(KEYS);
        for (String key : node.keys()) {
            JsonNode value = node.value(key);
            // Not a mistyped key of the program's own tables ([programs.web.enviroment]): that is an unknown key.
            if (!KEYS.contains(key) && value != null && value.isObject() && NearestKey.among(key, KEYS).isEmpty()
                    && Names.valid(name + "." + key)) {
                node.problem(key, "[programs." + name + "." + key + "] is read as the program '" + name + "' with a table '"
                        + key + "': a program name with a dot must be quoted, [programs." + TomlSyntax.string(name + "." + key)
                        + "]");
                known.add(key);
            }
        }
        return known;
    }

    /** Reports what is wrong in {@code [defaults]}; the values themselves are read through each program. */
    static void checkDefaults(ConfigNode defaults) {
        defaults.rejectUnknownKeys(KEYS);
        if (defaults.has("command")) {
            defaults.problem("command", "a command cannot have a default: set it in each [programs.NAME]");
        }
        if (defaults.has(ClusterSection.KEY)) {
            defaults.problem(ClusterSection.KEY, "exclusive cannot have a default: set it on each exclusive program");
        }
        settings("defaults", defaults, defaults.bool("shell", false), null);
    }

    private static ProgramConfig settings(String name, ConfigNode node, boolean shell, List<String> command) {
        return new ProgramConfig(name, command, shell,
                node.absolutePath("directory", null),
                node.stringMap("environment", n -> ENV_NAME.matcher(n).matches(),
                        "a variable name such as RUST_LOG (letters, digits and _, not starting with a digit)"),
                node.bool("inherit_environment", true),
                node.converted("user", null, value -> account(value, "a user name or id such as \"flip\" or \"1000\"")),
                node.converted("group", null, value -> account(value, "a group name or id such as \"flip\" or \"1000\"")),
                node.converted("umask", null, ProgramSection::umask),
                node.integer("priority", ProgramConfig.DEFAULT_PRIORITY, 0, 999),
                node.bool("autostart", true),
                node.choice("restart", ProgramConfig.DEFAULT_RESTART, RESTART),
                Collections.unmodifiableSortedSet(new TreeSet<>(
                        node.integerList("exit_codes", List.copyOf(ProgramConfig.DEFAULT_EXIT_CODES), 0, 255))),
                node.duration("start_secs", ProgramConfig.DEFAULT_START_SECS, Duration.ZERO, Limits.MAX_DURATION),
                node.converted("start_retries", ProgramConfig.DEFAULT_START_RETRIES, ProgramSection::startRetries),
                Collections.unmodifiableSortedSet(new TreeSet<>(node.integerList("no_restart_exit_codes", List.of(), 0, 255))),
                BackoffSection.read(node.table("backoff")),
                node.converted("stop_signal", Signals.SIGTERM, ProgramSection::signal),
                node.duration("stop_timeout", ProgramConfig.DEFAULT_STOP_TIMEOUT, Duration.ZERO, Limits.MAX_DURATION),
                LogSection.read(node.table("log")),
                LimitsSection.read(node.table("limits")),
                node.bool("ignore_sigpipe", true),
                node.bool("allow_external_copies", false),
                EngineSection.read(node),
                node.origin());
    }

    /**
     * A name, or an id written once: a TOML integer or a string of digits, given back in canonical
     * decimal, so that every spelling of uid 0 ({@code 0}, {@code "00"}, {@code "000"}) is "0" for
     * every later check. Signs, spaces, hex and names starting with a digit are refused (getpwnam
     * would miss them and setpriv could read them as a number).
     */
    static String account(JsonNode value, String expected) {
        String text = value.isIntegralNumber() ? value.asText() : value.isTextual() ? value.textValue() : null;
        if (text != null && ACCOUNT_ID.matcher(text).matches() && Long.parseLong(text) <= MAX_ACCOUNT_ID) {
            return Long.toString(Long.parseLong(text));
        }
        if (value.isTextual() && ACCOUNT_NAME.matcher(text).matches()) {
            return text;
        }
        throw new IllegalArgumentException("expected " + expected + ", got " + ConfigNode.describe(value) + " (a name "
                + "starts with a letter or '_'; an id is digits only, at most " + MAX_ACCOUNT_ID + ")");
    }

    /** An octal string ("022", "0o022") or an integer (TOML's 0o022 is 18); at most 0777. */
    private static Integer umask(JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToInt() && value.intValue() >= 0 && value.intValue() <= MAX_UMASK) {
            return value.intValue();
        }
        if (value.isTextual() && OCTAL.matcher(value.textValue()).matches()) {
            int umask = Integer.parseInt(value.textValue().replace("0o", ""), 8);
            if (umask <= MAX_UMASK) {
                return umask;
            }
        }
        throw new IllegalArgumentException("expected an octal umask from \"000\" to \"777\" such as \"022\" "
                + "(or the TOML octal integer 0o022), got " + ConfigNode.describe(value));
    }

    private static int startRetries(JsonNode value) {
        if (value.isTextual() && value.textValue().equals(FOREVER)) {
            return ProgramConfig.RETRY_FOREVER;
        }
        if (value.isIntegralNumber() && value.canConvertToInt() && value.intValue() >= 0 && value.intValue() <= MAX_START_RETRIES) {
            return value.intValue();
        }
        throw new IllegalArgumentException("expected an integer from 0 to " + MAX_START_RETRIES + " or \"" + FOREVER
                + "\", got " + ConfigNode.describe(value));
    }

    /** A signal name ("TERM", "SIGTERM") or number (15). */
    private static int signal(JsonNode value) {
        if (value.isTextual() || value.isIntegralNumber()) {
            return Signals.parse(value.asText()); // its message names the valid signals
        }
        throw new IllegalArgumentException("expected a signal name such as \"TERM\", got " + ConfigNode.describe(value));
    }
}
