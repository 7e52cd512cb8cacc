package dev.baton.config;

import java.nio.file.Path;

/** Where a piece of configuration came from: a file and, when known, a 1-based line (0: unknown). */
public record Origin(Path file, int line) {
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : String.valueOf(file);
    }
}
