package dev.baton.control;

import java.util.ArrayList;
import java.util.List;

/**
 * The history's order: each source's events (one engine group's, the operators') as they were
 * recorded, interleaved by time. Sorting the whole by the wall-clock time moved every event recorded
 * after the clock was set back (NTP correcting a clock that ran ahead) before the older ones:
 * {@code baton history -n 1} showed an old action instead of the newest, and "oldest first" was not.
 */
public final class HistoryOrder {
    private HistoryOrder() {
    }

    /** Merges lists that are each in recording order; the newest {@code limit} of the result. */
    public static List<HandoverRecord> merge(List<List<HandoverRecord>> sources, int limit) {
        List<HandoverRecord> out = new ArrayList<>();
        int[] next = new int[sources.size()];
        while (true) {
            int pick = -1;
            for (int i = 0; i < sources.size(); i++) {
                if (next[i] < sources.get(i).size() && (pick < 0
                        || sources.get(i).get(next[i]).time().isBefore(sources.get(pick).get(next[pick]).time()))) {
                    pick = i;
                }
            }
            if (pick < 0) {
                return out.subList(Math.max(0, out.size() - limit), out.size());
            }
            out.add(sources.get(pick).get(next[pick]++));
        }
    }
}
