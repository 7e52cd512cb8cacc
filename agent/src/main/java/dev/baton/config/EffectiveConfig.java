package dev.baton.config;

import dev.baton.process.os.ResourceLimit;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.ReadinessSpec;
import dev.baton.process.os.Signals;
import dev.baton.handover.Profile;
import dev.baton.handover.ProfileReader;
import dev.baton.handover.Rule;
import dev.baton.releases.ReleaseSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The whole configuration as baton uses it, defaults included, as TOML: what {@code check-config}
 * prints. Loading the text back gives an equal config (apart from origins and sources). Unset
 * optional keys (user, directory, log file...) are left out, as TOML has no null.
 */
public final class EffectiveConfig {
    private EffectiveConfig() {
    }

    public static String toToml(BatonConfig config) {
        TomlWriter out = new TomlWriter()
                .comment("Effective baton configuration: every setting with the value in use, defaults included.")
                .comment("Read from " + config.sources().stream().map(Path::toString).collect(Collectors.joining(", ")));
        agent(out, config.agent());
        api(out, config.api());
        if (config.cluster() != null) {
            cluster(out, config.cluster().settings());
        }
        config.programs().values().forEach(program -> {
            program(out, program);
            if (config.cluster() != null) {
                config.cluster().exclusive().stream().filter(e -> e.program().equals(program.name())).findFirst()
                        .ifPresent(e -> out.put(ClusterSection.KEY, exclusive(e)));
            }
        });
        config.groups().values().forEach(g -> group(out, g));
        // A built-in profile is named by its group; one from [profiles.NAME] is written out, once.
        config.groups().values().stream().map(EngineGroupConfig::profile).filter(p -> !ProfileReader.isBuiltIn(p))
                .collect(Collectors.toMap(Profile::name, p -> p, (a, b) -> a, java.util.TreeMap::new))
                .values().forEach(p -> profile(out, p));
        return out.toString();
    }

    private static void group(TomlWriter out, EngineGroupConfig g) {
        out.table(List.of(Section.GROUPS.key, g.name())).put("profile", TomlWriter.string(g.profile().name()));
        ReleaseSource r = g.releases();
        if (r != null) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put(r.format() == ReleaseSource.Format.APT_INDEX ? "apt_index" : "json_feed", TomlWriter.string(r.url()));
            keys.put("package", TomlWriter.string(r.packageName()));
            keys.put("interval", duration(r.interval()));
            keys.put("timeout", duration(r.timeout()));
            keys.put("pre_releases", String.valueOf(r.preReleases()));
            out.put("releases", TomlWriter.inline(keys));
        }
        UpgradeSteps steps = g.upgradeSteps();
        if (steps != null && !steps.preUpgrade().isEmpty()) {
            out.put("pre_upgrade", argv(steps.preUpgrade()))
                    .put("pre_upgrade_retries", String.valueOf(steps.retries()))
                    .put("pre_upgrade_timeout", duration(steps.preUpgradeTimeout()));
        }
        if (steps != null && !steps.backup().isEmpty()) {
            out.put("backup", argv(steps.backup())).put("backup_timeout", duration(steps.backupTimeout()));
        }
    }

    private static void profile(TomlWriter out, Profile p) {
        out.table(List.of(Section.PROFILES.key, p.name()))
                .put("compatibility", TomlWriter.string(p.compatibility().configName()))
                .put("handover", TomlWriter.string(p.handover().configName()));
        for (Rule rule : p.rules()) {
            out.arrayTable(List.of(Section.PROFILES.key, p.name(), "rules"))
                    .put("event", TomlWriter.string(rule.kind().configName()))
                    .put("contains", argv(rule.contains()))
                    .put("regex", TomlWriter.string(rule.regex().pattern()))
                    .put("fix", TomlWriter.string(rule.fix()));
        }
    }

    private static String argv(List<String> words) {
        return TomlWriter.array(words.stream().map(TomlWriter::string).toList());
    }

    private static void cluster(TomlWriter out, ClusterSettings c) {
        out.table(List.of(Section.CLUSTER.key))
                .put("endpoints", TomlWriter.array(c.endpoints().stream().map(TomlWriter::string).toList()))
                .put("tls_ca", c.tls() == null ? null : TomlWriter.string(c.tls().ca()))
                .put("tls_cert", c.tls() == null ? null : TomlWriter.string(c.tls().cert()))
                .put("tls_key", c.tls() == null ? null : TomlWriter.string(c.tls().key()))
                .put("host", TomlWriter.string(c.host()))
                .put("key_prefix", TomlWriter.string(c.keyPrefix()))
                .put("lease_ttl", duration(c.leaseTtl()))
                .put("renew_interval", duration(c.renewInterval()))
                .put("retry_timeout", duration(c.retryTimeout()))
                .put("takeover_jitter", duration(c.takeoverJitter()))
                .put("fence_margin", duration(c.fenceMargin()))
                .put("check_interval", duration(c.checkInterval()))
                .put("failover_timeout", duration(c.failoverTimeout()))
                .put("inventory_refresh", duration(c.inventoryRefresh()));
    }

    private static String exclusive(ExclusiveProgramSettings e) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("lock", TomlWriter.string(e.lock()));
        if (e.readiness() instanceof ReadinessSpec.Http http) {
            keys.put("ready_url", TomlWriter.string(http.url().toString()));
            keys.put("ready_timeout", duration(http.timeout()));
        } else if (e.readiness() instanceof ReadinessSpec.Command command) {
            keys.put("ready_command", argv(command.argv()));
            keys.put("ready_timeout", duration(command.timeout()));
        } else if (e.readiness() instanceof ReadinessSpec.EngineRole role) {
            keys.put("ready_role", TomlWriter.array(role.roles().stream().map(TomlWriter::string).toList()));
        } else {
            keys.put("ready", TomlWriter.string(ClusterSection.ALWAYS));
        }
        if (e.standbyProgram() != null) {
            keys.put("standby_program", TomlWriter.string(e.standbyProgram()));
        }
        if (e.safeMoment() != null) {
            keys.put("safe_moment", argv(e.safeMoment().argv()));
            keys.put("safe_moment_timeout", duration(e.safeMoment().timeout()));
        }
        if (e.identity() != null) {
            Map<String, String> hooks = new LinkedHashMap<>();
            hooks.put("acquire", argv(e.identity().acquire()));
            hooks.put("release", argv(e.identity().release()));
            if (e.identity().verifyReleased() != null) {
                hooks.put("verify_released", argv(e.identity().verifyReleased()));
            }
            hooks.put("timeout", duration(e.identity().timeout()));
            keys.put(ClusterSection.IDENTITY, TomlWriter.inline(hooks));
        }
        return TomlWriter.inline(keys);
    }

    private static void agent(TomlWriter out, AgentSettings agent) {
        out.table(List.of(Section.AGENT.key))
                .put("state_dir", TomlWriter.string(agent.stateDir()))
                .put("log_mode", TomlWriter.string(agent.logMode().configName()))
                .put("max_line_bytes", size(agent.maxLineBytes()))
                .put("exit_on_fatal", String.valueOf(agent.exitOnFatal()))
                .put("shutdown_timeout", duration(agent.shutdownTimeout()))
                .put("stdout_spill", size(agent.stdoutSpill()))
                .put("log_stall_timeout", duration(agent.logStallTimeout()));
    }

    private static void api(TomlWriter out, ApiSettings api) {
        out.table(List.of(Section.API.key))
                .put("enabled", String.valueOf(api.enabled()))
                .put("listen", TomlWriter.string(api.listen()))
                .put("port", String.valueOf(api.port()))
                .put("token_file", TomlWriter.string(api.tokenFile()))
                .put("allow_remote", String.valueOf(api.allowRemote()));
    }

    /**
     * A drop-in for the next version of an engine ({@code baton add-upgrade}): {@code template}'s
     * settings in effect (user, restart, log...), with its own name, command and version.
     */
    public static String upgradeDropIn(ProgramConfig template, String name, List<String> command, String version) {
        TomlWriter out = new TomlWriter()
                .comment("Written by baton add-upgrade: version " + version + " of engine group " + template.engine().group()
                        + ", with the settings of " + template.name() + ".");
        out.table(List.of(Section.PROGRAMS.key, name));
        program(out, template, TomlWriter.array(command.stream().map(TomlWriter::string).toList()), false, version);
        return out.toString();
    }

    private static void program(TomlWriter out, ProgramConfig p) {
        out.table(List.of(Section.PROGRAMS.key, p.name()));
        if (p.origin() != null) {
            out.comment("defined at " + p.origin());
        }
        program(out, p, command(p), p.shell(), p.engine() == null ? null : p.engine().version());
    }

    private static void program(TomlWriter out, ProgramConfig p, String command, boolean shell, String version) {
        out.put("command", command)
                .put("shell", String.valueOf(shell))
                .put("directory", TomlWriter.string(p.directory()))
                .put("environment", TomlWriter.inline(literals(p.environment())))
                .put("inherit_environment", String.valueOf(p.inheritEnvironment()))
                .put("user", TomlWriter.string(p.user()))
                .put("group", TomlWriter.string(p.group()))
                .put("umask", p.umask() == null ? null : TomlWriter.string(String.format("%03o", p.umask())))
                .put("priority", String.valueOf(p.priority()))
                .put("autostart", String.valueOf(p.autostart()))
                .put("restart", TomlWriter.string(p.restart().configName()))
                .put("exit_codes", TomlWriter.array(p.exitCodes().stream().sorted().map(String::valueOf).toList()))
                .put("start_secs", duration(p.startSecs()))
                .put("start_retries", p.startRetries() == ProgramConfig.RETRY_FOREVER
                        ? TomlWriter.string(ProgramSection.FOREVER) : String.valueOf(p.startRetries()))
                .put("no_restart_exit_codes", TomlWriter.array(p.noRestartExitCodes().stream().sorted()
                        .map(String::valueOf).toList()))
                .put("backoff", backoff(p.backoff()))
                .put("stop_signal", TomlWriter.string(Signals.name(p.stopSignal())))
                .put("stop_timeout", duration(p.stopTimeout()))
                .put("log", log(p.log()))
                .put("limits", TomlWriter.inline(limits(p.limits())))
                .put("ignore_sigpipe", String.valueOf(p.ignoreSigpipe()))
                .put("allow_external_copies", String.valueOf(p.allowExternalCopies()));
        if (p.engine() != null) {
            out.put("engine_group", TomlWriter.string(p.engine().group()))
                    .put("version", TomlWriter.string(version))
                    .put("on_superseded", TomlWriter.string(p.engine().onSuperseded()));
        }
    }

    /** A shell command is written back as the string it came from; anything else as the argv. */
    private static String command(ProgramConfig p) {
        List<String> argv = p.command();
        if (p.shell() && argv.size() == 3 && argv.subList(0, 2).equals(CommandSetting.SHELL)) {
            return TomlWriter.string(argv.get(2));
        }
        return TomlWriter.array(argv.stream().map(TomlWriter::string).toList());
    }

    private static Map<String, String> limits(List<ResourceLimit> limits) {
        Map<String, String> keys = new LinkedHashMap<>();
        limits.forEach(l -> keys.put(l.resource(), l.soft() == l.hard() && l.soft() != ResourceLimit.UNLIMITED
                ? l.configText() : TomlWriter.string(l.configText())));
        return keys;
    }

    private static String backoff(Backoff b) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("initial", duration(b.initial()));
        keys.put("max", duration(b.max()));
        keys.put("multiplier", Double.toString(b.multiplier()));
        keys.put("jitter", Double.toString(b.jitter()));
        keys.put("reset_after", duration(b.resetAfter()));
        return TomlWriter.inline(keys);
    }

    private static String log(LogSettings log) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("stdout", String.valueOf(log.toAgentStdout()));
        keys.put("file", TomlWriter.string(log.file()));
        keys.put("max_bytes", size(log.maxBytes()));
        keys.put("backups", String.valueOf(log.backups()));
        keys.put("ring_lines", String.valueOf(log.ringLines()));
        keys.put("ring_bytes", size(log.ringBytes()));
        return TomlWriter.inline(keys);
    }

    private static Map<String, String> literals(Map<String, String> environment) {
        Map<String, String> out = new LinkedHashMap<>();
        environment.forEach((name, value) -> out.put(name, TomlWriter.string(value)));
        return out;
    }

    private static String duration(Duration d) {
        return TomlWriter.string(Durations.format(d));
    }

    private static String size(long bytes) {
        return TomlWriter.string(Sizes.format(bytes));
    }
}
