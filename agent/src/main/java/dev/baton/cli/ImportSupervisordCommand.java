package dev.baton.cli;

import dev.baton.config.migration.ImportResult;
import dev.baton.config.supervisord.SupervisordImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton import-supervisord FILE}: a supervisord.conf (with its includes) as baton TOML. */
@Command(name = "import-supervisord",
        description = "Convert a supervisord.conf ([program:x], [group:x], [include], event listeners) into baton TOML "
                + "that runs the same argv the same way; findings are printed in triage order: errors, behaviour "
                + "changes, notes.",
        footer = {"", ImportReport.FOOTER})
final class ImportSupervisordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The supervisord configuration file.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the TOML here instead of stdout.")
    Path output;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE",
            description = "A variable of the environment supervisord runs with, for %%(ENV_NAME)s (repeatable; "
                    + "the import's own environment is used too, these win).")
    List<String> env = List.of();

    @Override
    public Integer call() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                spec.commandLine().getErr().println("baton: --env " + e + ": expected NAME=VALUE");
                return ImportReport.UNREADABLE;
            }
            environment.put(e.substring(0, eq), e.substring(eq + 1));
        }
        ImportResult result;
        try {
            result = new SupervisordImporter(environment, SupervisordImporter.localHostName()).importFile(file);
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("baton: cannot import " + file + ": " + e.getMessage());
            return ImportReport.UNREADABLE;
        }
        return ImportReport.hand(result, output, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
