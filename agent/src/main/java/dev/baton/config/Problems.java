package dev.baton.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every problem of a configuration instead of stopping at the first. The same problem
 * reported twice (e.g. a bad {@code [defaults]} value seen through each program) is kept once.
 */
public final class Problems {
    private final Set<ConfigProblem> problems = new LinkedHashSet<>();
    private final List<Path> fileOrder = new ArrayList<>();

    /** Lists problems of these files first, in this order (main file, then drop-ins), whatever order they were found in. */
    public void orderFiles(List<Path> files) {
        fileOrder.addAll(files);
    }

    public void add(ConfigProblem problem) {
        problems.add(problem);
    }

    public void add(Origin origin, String keyPath, String message) {
        add(new ConfigProblem(origin, keyPath, message));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems grouped by file (as ordered, else in the order first reported), then by line. */
    public List<ConfigProblem> list() {
        List<Path> files = new ArrayList<>(fileOrder);
        problems.stream().map(p -> p.origin().file()).filter(f -> !files.contains(f)).distinct().forEach(files::add);
        List<ConfigProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.<ConfigProblem>comparingInt(p -> files.indexOf(p.origin().file()))
                .thenComparingInt(p -> p.origin().line()));
        return sorted;
    }

    public void throwIfAny() throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(list());
        }
    }
}
