package dev.baton.config.supervisord;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of importing a supervisord configuration.
 *
 * @param toml     the baton configuration as TOML text
 * @param config   the same configuration as a tree (what {@code toml} was written from)
 * @param warnings every setting that was not mapped exactly, in file order
 * @param files    the files read: the main file, then the included ones
 */
public record ImportResult(String toml, ObjectNode config, List<ImportWarning> warnings, List<Path> files) {
    public ImportResult {
        warnings = List.copyOf(warnings);
        files = List.copyOf(files);
    }
}
