package dev.baton.api;

import dev.baton.agent.AgentStatus;
import dev.baton.agent.Control;

/**
 * {@code GET /v1/status} as bytes, written again only when the agent published a new snapshot
 * (its lists are replaced at every change) or the second changed (uptimes count seconds). A probe
 * polling status thousands of times a second then costs one JSON serialisation per second.
 */
final class StatusDocument {
    private record Cached(Object programs, Object groups, String problem, long second, byte[] json) {
        boolean isFor(AgentStatus s, long second) {
            return programs == s.programs() && groups == s.groups() && problem == s.stateProblem()
                    && this.second == second;
        }
    }

    private final Control control;
    private volatile Cached cached;

    StatusDocument(Control control) {
        this.control = control;
    }

    byte[] json() {
        AgentStatus s = control.status();
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c == null || !c.isFor(s, second)) {
            c = new Cached(s.programs(), s.groups(), s.stateProblem(), second, Json.bytes(Views.status(s)));
            cached = c;
        }
        return c.json;
    }
}
