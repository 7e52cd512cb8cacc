package dev.baton.config.migration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The findings of one import, in the order they were made. */
public final class Findings {
    private final List<ImportWarning> list = new ArrayList<>();

    public void add(Impact impact, Path file, int line, String section, String key, String message) {
        list.add(new ImportWarning(impact, file, line, section, key, message));
    }

    public void addAll(List<ImportWarning> more) {
        list.addAll(more);
    }

    public int size() {
        return list.size();
    }

    /** Forgets what was found after {@code mark} (a {@link #size()}): findings of a copy already reported once. */
    public void truncate(int mark) {
        list.subList(mark, list.size()).clear();
    }

    public List<ImportWarning> list() {
        return List.copyOf(list);
    }
}
