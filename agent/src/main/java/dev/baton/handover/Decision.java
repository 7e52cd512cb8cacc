package dev.baton.handover;

import java.util.List;

/** The outcome of one input to a group: what the supervisor must do, and what happened (already in the history). */
public record Decision(List<Action> actions, List<HandoverEvent> events) {

    public static final Decision NONE = new Decision(List.of(), List.of());

    public Decision {
        actions = List.copyOf(actions);
        events = List.copyOf(events);
    }

    public boolean isEmpty() {
        return actions.isEmpty() && events.isEmpty();
    }
}
