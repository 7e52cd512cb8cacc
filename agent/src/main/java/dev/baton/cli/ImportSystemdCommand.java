package dev.baton.cli;

import dev.baton.config.migration.ImportResult;
import dev.baton.config.supervisord.SupervisordImporter;
import dev.baton.config.systemd.SystemdImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton import-systemd UNIT...}: systemd service units as baton TOML, and how to retire the units. */
@Command(name = "import-systemd",
        description = "Convert systemd service units (names looked up in /etc/systemd/system, /lib/systemd/system "
                + "and the other unit directories, with their drop-ins, or unit file paths) into baton TOML that runs "
                + "the same argv the same way, and print the commands that disable and mask the units so that "
                + "systemd and baton never both run a program.",
        footer = {"", ImportReport.FOOTER})
final class ImportSystemdCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "UNIT", arity = "1..*", description = "Unit names (chainflip-engine.service) or unit files.")
    List<String> units;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the TOML here instead of stdout.")
    Path output;

    @Override
    public Integer call() {
        ImportResult result;
        try {
            result = new SystemdImporter(SupervisordImporter.localHostName()).importUnits(units);
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("baton: cannot import " + String.join(" ", units) + ": " + e.getMessage());
            return ImportReport.UNREADABLE;
        }
        return ImportReport.hand(result, output, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
