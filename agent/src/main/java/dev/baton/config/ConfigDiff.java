package dev.baton.config;

import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a reload changes, by program name: reload starts the added, stops the removed, restarts the
 * changed (those that would now run differently, see {@link ProgramConfig#sameRuntime}) and leaves
 * the unchanged alone. Agent and API settings are not part of it.
 */
public record ConfigDiff(Set<String> added, Set<String> removed, Set<String> changed, Set<String> unchanged) {

    public static ConfigDiff between(BatonConfig before, BatonConfig after) {
        SortedSet<String> added = new TreeSet<>(), removed = new TreeSet<>(), changed = new TreeSet<>(),
                unchanged = new TreeSet<>();
        after.programs().keySet().stream().filter(name -> !before.programs().containsKey(name)).forEach(added::add);
        before.programs().forEach((name, old) -> {
            ProgramConfig now = after.programs().get(name);
            if (now == null) {
                removed.add(name);
            } else if (old.sameRuntime(now)) {
                unchanged.add(name);
            } else {
                changed.add(name);
            }
        });
        return new ConfigDiff(Collections.unmodifiableSortedSet(added), Collections.unmodifiableSortedSet(removed),
                Collections.unmodifiableSortedSet(changed), Collections.unmodifiableSortedSet(unchanged));
    }

    /** True when a reload would not start, stop or restart anything. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }
}
