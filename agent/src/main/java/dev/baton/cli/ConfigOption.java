package dev.baton.cli;

import dev.baton.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, shared by the commands that read the configuration. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Main config file; drop-ins are read from conf.d/ beside it "
                    + "(default: $BATON_CONFIG or /etc/baton/baton.toml).")
    Path file;

    Path resolve() {
        if (file != null) {
            return file.toAbsolutePath();
        }
        String env = System.getenv("BATON_CONFIG");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath() : ConfigLoader.DEFAULT_PATH;
    }
}
