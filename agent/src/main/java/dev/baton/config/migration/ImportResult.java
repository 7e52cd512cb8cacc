package dev.baton.config.migration;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The outcome of an import.
 *
 * @param toml     the baton configuration as TOML text
 * @param config   the same configuration as a tree (what {@code toml} was written from)
 * @param warnings every setting that was not mapped exactly, in file order
 * @param files    the files read: the main file, then the included ones
 * @param followUp commands the operator runs after the import (e.g. disabling the systemd units), in order
 */
public record ImportResult(String toml, ObjectNode config, List<ImportWarning> warnings, List<Path> files,
                           List<String> followUp) {
    public ImportResult {
        warnings = List.copyOf(warnings);
        files = List.copyOf(files);
        followUp = List.copyOf(followUp);
    }

    public ImportResult(String toml, ObjectNode config, List<ImportWarning> warnings, List<Path> files) {
        this(toml, config, warnings, files, List.of());
    }

    /** The warnings in triage order: failures, then behaviour changes, then notes; file order within each. */
    public List<ImportWarning> triaged() {
        return warnings.stream().sorted(Comparator.comparing(ImportWarning::impact)).toList();
    }

    public long count(Impact impact) {
        return warnings.stream().filter(w -> w.impact() == impact).count();
    }

    /** True when something could not be imported: the CLI exits 1. */
    public boolean failed() {
        return count(Impact.FAILED) > 0;
    }

    /** The number of programs the TOML defines. */
    public int programs() {
        return config.path("programs").size();
    }

    /** "imported 3 programs, 2 behaviour changes need a look" (and the failures, when any). */
    public String summary() {
        long behaviour = count(Impact.BEHAVIOUR);
        long failed = count(Impact.FAILED);
        String s = "imported " + programs() + " program" + (programs() == 1 ? "" : "s") + ", " + behaviour
                + " behaviour change" + (behaviour == 1 ? "" : "s") + " need" + (behaviour == 1 ? "s" : "") + " a look";
        return failed == 0 ? s : s + ", " + failed + " error" + (failed == 1 ? "" : "s") + " (the import failed)";
    }
}
