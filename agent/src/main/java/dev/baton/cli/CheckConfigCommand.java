package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.EffectiveConfig;
import dev.baton.external.ExternalCopyGuard;
import dev.baton.process.os.Os;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code baton check-config}: validate like {@code nginx -t}, print the effective config. */
@Command(name = "check-config", description = "Validate the configuration and print it with every default applied.",
        footer = {"", "Exit codes: 0 valid, 2 invalid (each problem names the file, line and key)."})
final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = {"-q", "--quiet"}, description = "Print only problems.")
    boolean quiet;

    /** Copies of a program running (or about to be started by systemd) outside baton: said loudly, once each. */
    private static void externalCopies(BatonConfig cfg) {
        ExternalCopyGuard.all(cfg, Os.pid(), System.getenv()).forEach((program, copies) -> copies.forEach(c ->
                System.err.println("WARNING: " + program + ": " + c.what() + ": two copies of an engine sign with one "
                        + "key; fix: " + c.fix() + (cfg.programs().get(program).isEngine()
                        || (cfg.cluster() != null && cfg.cluster().managedPrograms().containsKey(program))
                        ? " (baton run will not start " + program + " until then, unless allow_external_copies = true)"
                        : ""))));
    }

    @Override
    public Integer call() {
        Path path = config.resolve();
        try {
            BatonConfig cfg = ConfigLoader.load(path);
            if (!quiet) {
                System.out.print(EffectiveConfig.toToml(cfg));
            }
            System.err.println("baton: configuration " + path + " is valid (" + cfg.sources().size() + " file(s), "
                    + cfg.programs().size() + " program(s))");
            externalCopies(cfg);
            return 0;
        } catch (ConfigException e) {
            System.err.println("baton: configuration " + path + " is invalid (" + e.problems().size() + " problem(s)):");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
    }
}
