package dev.baton.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/** "Did you mean ...?" for misspelt keys, section names and choices. */
final class NearestKey {
    private NearestKey() {
    }

    /**
     * The candidate closest to {@code word}, if it is close enough to be a likely typo: case is
     * ignored and a swap of two neighbours counts as one edit ({@code stop_timout}, {@code agnet}).
     */
    static Optional<String> among(String word, Collection<String> candidates) {
        if (word.length() > 64) {
            return Optional.empty(); // nobody mistypes a key that long; spare the quadratic work
        }
        int allowed = Math.max(1, Math.min(3, word.length() / 3));
        String w = word.toLowerCase(Locale.ROOT);
        return candidates.stream()
                .filter(c -> distance(w, c.toLowerCase(Locale.ROOT)) <= allowed)
                .min(Comparator.<String>comparingInt(c -> distance(w, c.toLowerCase(Locale.ROOT)))
                        .thenComparing(Comparator.naturalOrder()));
    }

    /** {@code ; did you mean 'x'?} when a candidate is close, else {@code ; valid keys: a, b, c}. */
    static String hint(String word, Collection<String> candidates, String candidateNoun) {
        return among(word, candidates)
                .map(c -> "; did you mean '" + c + "'?")
                .orElseGet(() -> "; valid " + candidateNoun + ": " + String.join(", ", new TreeSet<>(candidates)));
    }

    /** Optimal string alignment distance: Levenshtein plus transpositions of adjacent characters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
