package dev.baton.cli;

import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.ImportWarning;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the import commands hand over a result: the TOML to stdout or a file, the findings to stderr in
 * triage order (errors, behaviour changes, notes), the follow-up commands, and a summary line.
 * Exit codes: 0 imported (findings or not), 1 something could not be imported, 2 unreadable input.
 */
final class ImportReport {
    static final int IMPORTED = 0;
    static final int FAILED = 1;
    static final int UNREADABLE = 2;
    static final String FOOTER = "Exit codes: 0 imported (read the behaviour changes, if any), 1 something could not be "
            + "imported (each error says why), 2 unreadable input.";

    private ImportReport() {
    }

    static int hand(ImportResult result, Path output, PrintWriter out, PrintWriter err) {
        try {
            if (output == null) {
                out.print(result.toml());
            } else {
                Files.writeString(output, result.toml());
            }
        } catch (IOException e) {
            err.println("baton: cannot write " + output + ": " + e.getMessage());
            return UNREADABLE;
        }
        Impact shown = null;
        for (ImportWarning w : result.triaged()) {
            if (w.impact() != shown) {
                shown = w.impact();
                err.println(switch (shown) {
                    case FAILED -> "== errors: not imported";
                    case BEHAVIOUR -> "== behaviour changes: read each one";
                    case COSMETIC -> "== notes: nothing a program sees changes";
                });
            }
            err.println(w.impact().label() + ": " + w);
        }
        if (!result.followUp().isEmpty()) {
            err.println("== then, so that only baton runs these programs:");
            result.followUp().forEach(c -> err.println("  " + c));
        }
        out.flush();
        err.println("baton: " + result.summary() + (output == null ? "" : "; written to " + output)
                + (result.failed() ? "" : "; check it with: baton check-config --config FILE"));
        return result.failed() ? FAILED : IMPORTED;
    }
}
