package dev.baton.config.migration;

import java.nio.file.Path;

/**
 * Where an imported program came from, to name it in findings about the output.
 *
 * @param file    the file of the old supervisor's configuration
 * @param line    1-based line of the section header
 * @param section the section as written there
 */
public record SourceRef(Path file, int line, String section) {
}
