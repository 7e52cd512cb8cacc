package dev.baton.agent;

import dev.baton.config.BatonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A config file (the main file or a drop-in) that had settings in the running config and has none now
 * (empty, a byte-order mark, blanks and comments) is valid TOML, but as a reload it is a truncation far
 * more often than a wish (an editor's crash, a full disk, a botched deploy): it would remove the programs
 * it defines and reset what it set. Such a reload is refused unless forced. A file that was already
 * empty when the running config was read stays reloadable as it is.
 */
final class EmptiedConfigFiles {
    private volatile Set<Path> withContent;

    EmptiedConfigFiles(BatonConfig running) {
        applied(running);
    }

    /** The config now running: the files that have content from now on. */
    void applied(BatonConfig running) {
        withContent = running.sources().stream().filter(f -> !blank(f)).collect(Collectors.toUnmodifiableSet());
    }

    /** Why a reload to {@code next} is refused, or null. */
    String problem(BatonConfig next) {
        List<Path> emptied = next.sources().stream().filter(withContent::contains).filter(EmptiedConfigFiles::blank).toList();
        if (emptied.isEmpty()) {
            return null;
        }
        return "the config file" + (emptied.size() == 1 ? " " : "s ") + emptied.stream().map(Path::toString)
                .collect(Collectors.joining(", ")) + (emptied.size() == 1 ? " is" : " are") + " empty now (nothing but "
                + "blanks, comments or a byte-order mark): taken as it is, it would reset every setting of it and remove "
                + "the programs it defines. Check the file; to apply it on purpose, run baton reload --force (POST "
                + "/v1/reload?force=true)";
    }

    private static boolean blank(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8); // size and encoding were checked by the load
        } catch (IOException e) {
            return false; // a file that became unreadable since is for the next load to report
        }
        return text.replace("\uFEFF", "").lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"));
    }
}
