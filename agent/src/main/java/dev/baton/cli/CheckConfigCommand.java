package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.EffectiveConfig;
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
            return 0;
        } catch (ConfigException e) {
            System.err.println("baton: configuration " + path + " is invalid (" + e.problems().size() + " problem(s)):");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
    }
}
