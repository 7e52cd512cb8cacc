package dev.baton.handover;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of a group, oldest first, at most {@code capacity}. An event that repeats one already
 * here (same {@link HandoverEvent#repeatKey()}) is not added again: the first one's count and last
 * time grow (an engine repeating a line every block would otherwise push everything else out). The
 * decisive events of the last upgrade (from the last release change on) are never pushed out by
 * others, here or in {@link #tail}.
 */
final class EventHistory {

    private final int capacity;
    /** By repeat key, in order of first occurrence. */
    private final LinkedHashMap<String, HandoverEvent> events = new LinkedHashMap<>();
    /**
     * {@link #all}, kept until the next change: every status refresh and state snapshot of the group asks
     * for it (up to {@code capacity} events), far more often than an event is added.
     */
    private List<HandoverEvent> all;

    EventHistory(int capacity) {
        this.capacity = capacity;
    }

    /** Records {@code e}; returns what the history holds for it now (e itself, or the first occurrence counted once more). */
    HandoverEvent add(HandoverEvent e) {
        String key = e.repeatKey();
        HandoverEvent first = events.get(key);
        HandoverEvent kept = first == null ? e : first.repeatedAt(e.at());
        events.put(key, kept); // a repeat keeps its place (the first time)
        all = null;
        if (events.size() > capacity) {
            evictOne();
        }
        return kept;
    }

    /** Restored events, as they were (their counts included). */
    void addAll(Collection<HandoverEvent> restored) {
        all = null;
        for (HandoverEvent e : restored) {
            HandoverEvent first = events.get(e.repeatKey());
            events.put(e.repeatKey(), first == null ? e : new HandoverEvent(first.at(), first.group(), first.kind(), first.program(),
                    first.version(), first.release(), first.message(), first.count() + e.count(), e.lastAt()));
            if (events.size() > capacity) {
                evictOne();
            }
        }
    }

    /** The newest {@code n} events, oldest first, always with the decisive events of the last upgrade. */
    List<HandoverEvent> tail(int n) {
        List<HandoverEvent> list = all();
        int pinnedFrom = lastUpgradeStart(list);
        List<HandoverEvent> pinned = new ArrayList<>();
        for (int i = pinnedFrom; i < list.size(); i++) {
            if (list.get(i).decisive()) {
                pinned.add(list.get(i));
            }
        }
        if (pinned.size() > n) {
            pinned = pinned.subList(pinned.size() - n, pinned.size());
        }
        // The newest events fill what the pinned ones leave, then everything goes back into order.
        Map<HandoverEvent, Boolean> chosen = new IdentityHashMap<>(); // a record's hashCode hashes every field
        pinned.forEach(e -> chosen.put(e, true));
        for (int i = list.size() - 1; i >= 0 && chosen.size() < n; i--) {
            chosen.put(list.get(i), true);
        }
        return list.stream().filter(chosen::containsKey).toList();
    }

    List<HandoverEvent> all() {
        if (all == null) {
            all = List.copyOf(events.values());
        }
        return all;
    }

    /** Drops the oldest event that is not a decisive event of the last upgrade (the oldest at all if they all are). */
    private void evictOne() {
        all = null;
        List<HandoverEvent> list = new ArrayList<>(events.values());
        int pinnedFrom = lastUpgradeStart(list);
        int i = 0;
        for (Iterator<HandoverEvent> it = events.values().iterator(); it.hasNext(); i++) {
            HandoverEvent e = it.next();
            if (i < pinnedFrom || !e.decisive()) {
                it.remove();
                return;
            }
        }
        Iterator<HandoverEvent> oldest = events.values().iterator();
        oldest.next();
        oldest.remove();
    }

    /** Index of the last RELEASE_CHANGED event (by first occurrence order; its last time decides among repeats), or size. */
    private static int lastUpgradeStart(List<HandoverEvent> all) {
        int found = all.size();
        for (int i = 0; i < all.size(); i++) {
            HandoverEvent e = all.get(i);
            if (e.kind() == HandoverEvent.Kind.RELEASE_CHANGED
                    && (found == all.size() || !e.lastAt().isBefore(all.get(found).lastAt()))) {
                found = i;
            }
        }
        return found;
    }
}
