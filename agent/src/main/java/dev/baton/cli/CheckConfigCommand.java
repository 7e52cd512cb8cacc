package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.EffectiveConfig;
import java.io.PrintWriter;
import dev.baton.external.ExternalCopyGuard;
import dev.baton.process.os.Os;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton check-config}: validate like {@code nginx -t}, print the effective config. */
@Command(name = "check-config", description = "Validate the configuration and print it with every default applied; "
        + "then say what the agent will do with each engine group (profile, engines in version order, releases followed).",
        footer = {"", "Besides the files, it checks this host: each command exists and is executable, working",
                "directories exist, users and groups are known, the API port is free (or held by the running agent).",
                "", "Exit codes: 0 valid, 2 invalid (each problem names the file, line and key)."})
final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = {"-q", "--quiet"}, description = "Print only problems.")
    boolean quiet;

    @Option(names = "--no-host-checks", description = "Check the files only: not the commands, users, groups and "
            + "API port on this host (for a config meant for another host).")
    boolean noHostChecks;

    @Spec
    CommandSpec spec;

    /** Copies of a program running (or about to be started by systemd) outside baton: said loudly, once each. */
    private void externalCopies(BatonConfig cfg, PrintWriter err) {
        ExternalCopyGuard.all(cfg, Os.pid(), System.getenv()).forEach((program, copies) -> copies.forEach(c ->
                err.println("WARNING: " + program + ": " + c.what() + ": two copies of an engine sign with one "
                        + "key; fix: " + c.fix() + (cfg.programs().get(program).isEngine()
                        || (cfg.cluster() != null && (cfg.cluster().managedPrograms().containsKey(program)
                        || cfg.cluster().identityPrograms().containsKey(program)))
                        ? " (baton run will not start " + program + " until then, unless allow_external_copies = true)"
                        : ""))));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path path = config.resolve();
        try {
            BatonConfig cfg = ConfigLoader.load(path);
            if (!quiet) {
                out.print(EffectiveConfig.toToml(cfg));
                out.flush();
            }
            if (!noHostChecks) {
                HostChecks.Result host = HostChecks.run(cfg, path, System.getenv());
                host.notes().forEach(n -> err.println("baton: note: " + n));
                if (!host.problems().isEmpty()) {
                    err.println("baton: configuration " + path + " is valid, but this host cannot run it ("
                            + host.problems().size() + " problem(s); --no-host-checks skips these):");
                    host.problems().forEach(p -> err.println("  " + p));
                    return 2;
                }
            }
            err.println("baton: configuration " + path + " is valid (" + cfg.sources().size() + " file(s), "
                    + cfg.programs().size() + " program(s)" + GroupSummary.groupCount(cfg) + ")");
            if (!quiet) {
                GroupSummary.lines(cfg).forEach(line -> err.println("  " + line));
            }
            externalCopies(cfg, err);
            return 0;
        } catch (ConfigException e) {
            err.println("baton: configuration " + path + " is invalid (" + e.problems().size() + " problem(s)):");
            e.problems().forEach(p -> err.println("  " + p));
            return 2;
        }
    }
}
