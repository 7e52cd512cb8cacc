package dev.baton.handover;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The newest events of a group, oldest first, at most {@code capacity}. */
final class EventHistory {

    private final int capacity;
    private final ArrayDeque<HandoverEvent> events = new ArrayDeque<>();

    EventHistory(int capacity) {
        this.capacity = capacity;
    }

    void add(HandoverEvent e) {
        if (events.size() == capacity) {
            events.removeFirst();
        }
        events.addLast(e);
    }

    void addAll(Collection<HandoverEvent> all) {
        all.forEach(this::add);
    }

    /** The newest {@code n} events, oldest first. */
    List<HandoverEvent> tail(int n) {
        List<HandoverEvent> all = new ArrayList<>(events);
        return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
    }

    List<HandoverEvent> all() {
        return List.copyOf(events);
    }
}
