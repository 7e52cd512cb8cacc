package dev.baton.cli;

import dev.baton.config.supervisord.ImportResult;
import dev.baton.config.supervisord.ImportWarning;
import dev.baton.config.supervisord.SupervisordImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton import-supervisord FILE}: a supervisord.conf (with its includes) as baton TOML. */
@Command(name = "import-supervisord",
        description = "Convert a supervisord.conf ([program:x], [group:x], [include]) into baton TOML; "
                + "warnings name each setting that could not be mapped exactly.",
        footer = {"", "Exit codes: 0 converted without warnings, 1 converted with warnings, 2 unreadable input."})
final class ImportSupervisordCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The supervisord configuration file.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the TOML here instead of stdout.")
    Path output;

    @Override
    public Integer call() {
        ImportResult result;
        try {
            result = new SupervisordImporter().importFile(file);
        } catch (IOException | RuntimeException e) {
            System.err.println("baton: cannot import " + file + ": " + e.getMessage());
            return 2;
        }
        try {
            if (output == null) {
                System.out.print(result.toml());
            } else {
                Files.writeString(output, result.toml());
            }
        } catch (IOException e) {
            System.err.println("baton: cannot write " + output + ": " + e.getMessage());
            return 2;
        }
        for (ImportWarning w : result.warnings()) {
            System.err.println("warning: " + w);
        }
        System.err.printf("baton: imported %d file(s) with %d warning(s); check the result with: baton check-config --config FILE%n",
                result.files().size(), result.warnings().size());
        return result.warnings().isEmpty() ? 0 : 1;
    }
}
