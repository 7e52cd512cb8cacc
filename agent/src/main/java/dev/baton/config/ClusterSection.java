package dev.baton.config;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.FailsafeSettings;
import dev.baton.cluster.IdentityHooks;
import dev.baton.cluster.ReadinessSpec;
import dev.baton.cluster.TlsFiles;
import dev.baton.handover.Role;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads {@code [cluster]} and each program's {@code exclusive = { ... }}, then checks them with the
 * cluster's own rules ({@link Cluster#validate}: Patroni's renew + 2 x retry &lt;= ttl, and for each
 * exclusive program renew + 2 x retry + stop_timeout + fence_margin &lt;= ttl), each problem reported at
 * its file, line and key with the fix. Builds only plain records: no etcd class is loaded here.
 */
final class ClusterSection {
    static final Set<String> KEYS = Set.of("endpoints", "tls_ca", "tls_cert", "tls_key", "host", "key_prefix",
            "lease_ttl", "renew_interval", "retry_timeout", "takeover_jitter", "fence_margin", "check_interval",
            "failover_timeout", "inventory_refresh", "failsafe", "peer_address", "peer_listen", "peer_tls_ca",
            "peer_tls_cert", "peer_tls_key");
    static final Set<String> EXCLUSIVE_KEYS = Set.of("lock", "ready_url", "ready_command", "ready_timeout",
            "ready_role", "ready", "standby_program", "identity", "safe_moment", "safe_moment_timeout");
    /** {@code [programs.NAME.exclusive.identity]}: warm standby. */
    static final Set<String> IDENTITY_KEYS = Set.of("acquire", "release", "verify_released", "timeout");
    static final String IDENTITY = "identity";
    static final Duration DEFAULT_SAFE_MOMENT_TIMEOUT = Duration.ofSeconds(10);
    static final String KEY = "exclusive";
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(5);
    static final String ALWAYS = "always";

    /** The readiness keys, one of which an exclusive program must set. */
    private static final List<String> READINESS_KEYS = List.of("ready_url", "ready_command", "ready_role", "ready");
    private static final String ENDPOINTS_EXAMPLE = "[\"https://10.0.0.5:2379\", \"https://10.0.0.6:2379\"]";

    private ClusterSection() {
    }

    /**
     * @param root     the main file's document (null when it could not be parsed)
     * @param programs every program table by name (without {@code [defaults]})
     * @param configs  the programs as read
     * @return null when there is no {@code [cluster]} (exclusive programs are then a problem)
     */
    static ClusterConfig read(ConfigNode root, Map<String, ConfigNode> programs, Map<String, ProgramConfig> configs,
                              Problems problems) {
        boolean present = root != null && root.has(Section.CLUSTER.key);
        Map<String, ConfigNode> exclusiveNodes = new TreeMap<>();
        programs.forEach((name, node) -> {
            if (node.has(KEY)) {
                exclusiveNodes.put(name, node.table(KEY));
            }
        });
        if (!present) {
            exclusiveNodes.values().forEach(node -> node.problem("an exclusive program needs the etcd cluster: add a"
                    + " [cluster] section with endpoints = " + ENDPOINTS_EXAMPLE + " to the main config file"));
            return null;
        }
        int before = problems.list().size();
        ConfigNode node = root.table(Section.CLUSTER.key);
        node.rejectUnknownKeys(KEYS);
        ClusterSettings settings = settings(node);
        List<ExclusiveProgramSettings> exclusive = new ArrayList<>();
        exclusiveNodes.forEach((name, table) -> {
            ExclusiveProgramSettings p = exclusive(name, table, configs);
            if (p != null) {
                exclusive.add(p);
            }
        });
        if (problems.list().size() == before) {
            // Only on values that parsed: a bad value replaced by its default would give misleading follow-ups.
            for (String problem : Cluster.validate(settings, exclusive)) {
                report(problem, node, exclusiveNodes);
            }
        }
        return new ClusterConfig(settings, exclusive);
    }

    private static ClusterSettings settings(ConfigNode node) {
        List<URI> endpoints = new ArrayList<>();
        if (!node.has("endpoints")) {
            node.problem("missing endpoints: the etcd client URLs, e.g. endpoints = " + ENDPOINTS_EXAMPLE);
        } else {
            List<String> urls = node.stringList("endpoints", List.of());
            for (String url : urls) {
                try {
                    endpoints.add(new URI(url));
                } catch (URISyntaxException e) {
                    node.problem("endpoints", "\"" + url + "\" is not a URL such as https://10.0.0.5:2379");
                }
            }
        }
        ClusterSettings defaults = ClusterSettings.defaults(List.of());
        Path ca = node.absolutePath("tls_ca", null);
        Path cert = node.absolutePath("tls_cert", null);
        Path key = node.absolutePath("tls_key", null);
        TlsFiles tls = ca == null && cert == null && key == null ? null : new TlsFiles(ca, cert, key);
        return new ClusterSettings(endpoints, tls,
                node.string("host", defaults.host()),
                node.string("key_prefix", ClusterSettings.DEFAULT_KEY_PREFIX),
                duration(node, "lease_ttl", ClusterSettings.DEFAULT_LEASE_TTL),
                duration(node, "renew_interval", ClusterSettings.DEFAULT_RENEW_INTERVAL),
                duration(node, "retry_timeout", ClusterSettings.DEFAULT_RETRY_TIMEOUT),
                duration(node, "takeover_jitter", ClusterSettings.DEFAULT_TAKEOVER_JITTER),
                duration(node, "fence_margin", ClusterSettings.DEFAULT_FENCE_MARGIN),
                duration(node, "check_interval", ClusterSettings.DEFAULT_CHECK_INTERVAL),
                duration(node, "failover_timeout", ClusterSettings.DEFAULT_FAILOVER_TIMEOUT),
                duration(node, "inventory_refresh", ClusterSettings.DEFAULT_INVENTORY_REFRESH),
                failsafe(node, tls));
    }

    /** Off unless {@code failsafe = true}; the peer channel's TLS files default to the etcd ones. */
    private static FailsafeSettings failsafe(ConfigNode node, TlsFiles etcdTls) {
        List<String> peerKeys = List.of("peer_address", "peer_listen", "peer_tls_ca", "peer_tls_cert", "peer_tls_key");
        if (!node.bool("failsafe", false)) {
            peerKeys.stream().filter(node::has).findFirst().ifPresent(key -> node.problem(key,
                    "only used with failsafe = true: set it, or remove " + key));
            return null;
        }
        Path ca = node.absolutePath("peer_tls_ca", null);
        Path cert = node.absolutePath("peer_tls_cert", null);
        Path key = node.absolutePath("peer_tls_key", null);
        TlsFiles tls = ca == null && cert == null && key == null ? etcdTls : new TlsFiles(ca, cert, key);
        return new FailsafeSettings(node.string("peer_address", null), node.string("peer_listen", null), tls);
    }

    private static Duration duration(ConfigNode node, String key, Duration dflt) {
        return node.duration(key, dflt, Duration.ZERO, Limits.MAX_DURATION);
    }

    /** One {@code exclusive = { ... }}; null after a problem that leaves nothing to check. */
    private static ExclusiveProgramSettings exclusive(String program, ConfigNode node, Map<String, ProgramConfig> configs) {
        node.rejectUnknownKeys(EXCLUSIVE_KEYS);
        String lock = node.string("lock", null);
        if (lock == null && !node.has("lock")) {
            node.problem("missing lock: name the lock this program runs under, e.g. lock = \"validator-identity\""
                    + " (the same name on every host that may run it)");
        }
        String standby = node.string("standby_program", null);
        if (standby != null && !configs.containsKey(standby)) {
            node.problem("standby_program", "no program named '" + standby + "'"
                    + NearestKey.hint(standby, configs.keySet(), "programs") + ": define [programs." + standby
                    + "] or remove standby_program");
            standby = null;
        }
        ReadinessSpec readiness = readiness(program, node, standby, configs);
        ProgramConfig config = configs.get(program);
        Duration stopTimeout = config == null ? ProgramConfig.DEFAULT_STOP_TIMEOUT : config.stopTimeout();
        IdentityHooks identity = node.has(IDENTITY) ? identity(node.table(IDENTITY)) : null;
        ReadinessSpec.Command safeMoment = null;
        if (node.has("safe_moment")) {
            List<String> argv = command(node, "safe_moment");
            safeMoment = argv == null ? null : new ReadinessSpec.Command(argv,
                    node.duration("safe_moment_timeout", DEFAULT_SAFE_MOMENT_TIMEOUT, Duration.ofMillis(1), Limits.MAX_DURATION));
        } else if (node.has("safe_moment_timeout")) {
            node.problem("safe_moment_timeout", "only with safe_moment: remove safe_moment_timeout or set safe_moment");
        }
        return lock == null ? null
                : new ExclusiveProgramSettings(program, lock, readiness, standby, stopTimeout, identity, safeMoment);
    }

    /** {@code identity = { acquire = [...], release = [...], ... }}; the cluster's rules check the rest. */
    private static IdentityHooks identity(ConfigNode node) {
        node.rejectUnknownKeys(IDENTITY_KEYS);
        for (String required : List.of("acquire", "release")) {
            if (!node.has(required)) {
                node.problem("missing " + required + ": warm standby needs the command that makes the identity "
                        + (required.equals("acquire") ? "live on this host" : "passive again")
                        + ", e.g. " + required + " = [\"/usr/local/bin/identity-" + required + "\"]");
            }
        }
        return new IdentityHooks(command(node, "acquire"), command(node, "release"), command(node, "verify_released"),
                node.duration("timeout", IdentityHooks.DEFAULT_TIMEOUT, Duration.ofMillis(1), Limits.MAX_DURATION));
    }

    /** A command's argv (absolute path or a name in PATH); null when unset or unusable. */
    private static List<String> command(ConfigNode node, String key) {
        List<String> argv = node.stringList(key, null);
        if (argv == null) {
            return null;
        }
        if (argv.isEmpty()) {
            node.problem(key, "the command is empty");
            return null;
        }
        if (!argv.get(0).startsWith("/") && argv.get(0).contains("/")) {
            node.problem(key, "the program must be an absolute path or a name looked up in PATH, not \"" + argv.get(0) + "\"");
            return null;
        }
        return argv;
    }

    /** Exactly one readiness kind; null after a problem. */
    private static ReadinessSpec readiness(String program, ConfigNode node, String standby,
                                           Map<String, ProgramConfig> configs) {
        List<String> set = READINESS_KEYS.stream().filter(node::has).toList();
        if (set.size() != 1) {
            node.problem((set.isEmpty() ? "missing readiness: " : "set only one of " + String.join(", ", set) + ": ")
                    + "a standby takes over only while its check passes, so that a host that has not caught up never"
                    + " does; set exactly one of ready_url = \"http://127.0.0.1:8899/health\", ready_command = [...],"
                    + " ready_role = [\"ACTIVE\"] (the engine role of the standby program), or ready = \"always\"");
            return null;
        }
        String kind = set.get(0);
        boolean timed = kind.equals("ready_url") || kind.equals("ready_command");
        if (!timed && node.has("ready_timeout")) {
            node.problem("ready_timeout", "only ready_url and ready_command have a timeout: remove ready_timeout");
        }
        Duration timeout = node.duration("ready_timeout", DEFAULT_READY_TIMEOUT, Duration.ofMillis(1), Limits.MAX_DURATION);
        switch (kind) {
            case "ready_url" -> {
                String url = node.string("ready_url", null);
                try {
                    return url == null ? null : new ReadinessSpec.Http(new URI(url), timeout);
                } catch (URISyntaxException e) {
                    node.problem("ready_url", "\"" + url + "\" is not a URL such as http://127.0.0.1:8899/health");
                    return null;
                }
            }
            case "ready_command" -> {
                List<String> argv = command(node, "ready_command");
                return argv == null ? null : new ReadinessSpec.Command(argv, timeout);
            }
            case "ready_role" -> {
                return role(program, node, standby, configs);
            }
            default -> {
                String value = node.string("ready", null);
                if (!ALWAYS.equals(value)) {
                    node.problem("ready", "expected \"always\" (only for a program that needs no catching up), got "
                            + (value == null ? "another value" : "\"" + value + "\""));
                    return null;
                }
                return new ReadinessSpec.Always();
            }
        }
    }

    /** The engine role of the standby program (else of the program itself) must be one of these. */
    private static ReadinessSpec role(String program, ConfigNode node, String standby, Map<String, ProgramConfig> configs) {
        List<String> names = node.stringList("ready_role", null);
        if (names == null) {
            return null;
        }
        Set<String> known = Arrays.stream(Role.values()).map(Enum::name).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> roles = new LinkedHashSet<>();
        for (String name : names) {
            String upper = name.toUpperCase(Locale.ROOT);
            if (!known.contains(upper)) {
                node.problem("ready_role", "unknown engine role \"" + name + "\": roles are " + String.join(", ", known));
                return null;
            }
            roles.add(upper);
        }
        String engine = standby != null ? standby : program;
        ProgramConfig config = configs.get(engine);
        if (config != null && !config.isEngine()) {
            node.problem("ready_role", "'" + engine + "' is not an engine (no engine_group), so it has no role: set"
                    + " engine_group on it, or use ready_url / ready_command");
            return null;
        }
        return new ReadinessSpec.EngineRole(engine, roles);
    }

    /**
     * Reports one of {@link Cluster#validate}'s "key: sentence" problems where the key is set: a
     * {@code [cluster]} key, or a program's {@code exclusive} table.
     */
    private static void report(String problem, ConfigNode cluster, Map<String, ConfigNode> exclusive) {
        int colon = problem.indexOf(": ");
        String key = colon < 0 ? "" : problem.substring(0, colon);
        String message = colon < 0 ? problem : problem.substring(colon + 2);
        // Longest name first: "programs.a.b.exclusive" must not be taken for program "a".
        for (String program : exclusive.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            String prefix = "programs." + program + "." + KEY;
            if (key.equals(prefix) || key.startsWith(prefix + ".")) {
                ConfigNode node = exclusive.get(program);
                String sub = key.substring(prefix.length()).replaceFirst("^\\.", "");
                if (sub.equals("readiness")) {
                    sub = READINESS_KEYS.stream().filter(node::has).findFirst().orElse("");
                }
                if (sub.startsWith(IDENTITY + ".") && node.has(IDENTITY)) {
                    ConfigNode identity = node.table(IDENTITY);
                    String hook = sub.substring(IDENTITY.length() + 1);
                    if (identity.has(hook)) {
                        identity.problem(hook, message);
                    } else {
                        identity.problem(message);
                    }
                    return;
                }
                if (!sub.isEmpty() && node.has(sub)) {
                    node.problem(sub, message);
                } else {
                    node.problem(message);
                }
                return;
            }
        }
        String located = Arrays.stream(key.split(",\\s*"))
                .map(k -> k.equals("tls") ? "tls_ca" : k.equals("peer_tls") ? "peer_tls_ca" : k)
                .filter(k -> KEYS.contains(k) && cluster.has(k))
                .findFirst().orElse(null);
        if (located != null) {
            cluster.problem(located, message);
        } else {
            cluster.problem(problem);
        }
    }
}
