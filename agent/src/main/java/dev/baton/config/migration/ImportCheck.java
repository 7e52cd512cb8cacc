package dev.baton.config.migration;

import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.ConfigProblem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads an import's TOML with baton's own loader, so an import never hands over a file that
 * {@code baton check-config} would refuse without saying so. Each problem becomes a FAILED finding at
 * the source of the program it is about.
 */
public final class ImportCheck {
    /** The file name the loader's messages use for the imported text. */
    public static final Path OUTPUT = Path.of("imported.toml");

    private ImportCheck() {
    }

    /**
     * @param origins  program name to where it came from
     * @param fallback the source named for problems about no program in particular
     */
    public static List<ImportWarning> check(String toml, Map<String, SourceRef> origins, SourceRef fallback) {
        List<ImportWarning> out = new ArrayList<>();
        try {
            ConfigLoader.parse(toml, OUTPUT);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                SourceRef at = fallback;
                String[] path = p.keyPath().split("\\.", 3);
                if (path.length >= 2 && path[0].equals("programs") && origins.containsKey(path[1])) {
                    at = origins.get(path[1]);
                }
                out.add(new ImportWarning(Impact.FAILED, at.file(), at.line(), at.section(), "",
                        "the imported configuration does not pass check-config: " + p.keyPath()
                                + (p.keyPath().isEmpty() ? "" : ": ") + p.message() + "; fix it in the TOML by hand"));
            }
        }
        return out;
    }
}
