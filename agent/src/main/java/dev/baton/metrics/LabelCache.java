package dev.baton.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Label sets reused from one scrape to the next. Building a {@link Labels} validates every label
 * name (with a fresh charset encoder each time): that was most of a scrape's garbage. A set not
 * used during one scrape is forgotten at the next, so programs removed by a reload do not linger.
 * Not thread-safe: the collector holds its lock while it uses it.
 */
final class LabelCache {
    private Map<Key, Labels> current = new HashMap<>();
    private Map<Key, Labels> previous = Map.of();

    /** Array equality without the iterators that {@code List.equals} allocates. */
    private record Key(String[] namesAndValues) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(namesAndValues, k.namesAndValues);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(namesAndValues);
        }
    }

    /** Starts a scrape: what the last scrape used stays available, the rest goes. */
    void nextScrape() {
        previous = current;
        current = new HashMap<>(Math.max(16, previous.size() * 2));
    }

    /** Label names and values alternating; a null value becomes empty (Prometheus: label absent). */
    Labels of(String... namesAndValues) {
        for (int i = 1; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i] == null) {
                namesAndValues[i] = "";
            }
        }
        Key key = new Key(namesAndValues);
        Labels labels = current.get(key);
        if (labels == null) {
            labels = previous.get(key);
            if (labels == null) {
                labels = Labels.of(namesAndValues);
            }
            current.put(key, labels);
        }
        return labels;
    }

    int size() {
        return current.size();
    }
}
