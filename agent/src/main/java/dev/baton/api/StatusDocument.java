package dev.baton.api;

import dev.baton.agent.AgentStatus;
import dev.baton.agent.Control;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /v1/status} as bytes, written again only when the agent published a new snapshot
 * (its lists are replaced at every change) or the second changed (uptimes count seconds). A probe
 * polling status thousands of times a second then costs one JSON serialisation per second.
 */
final class StatusDocument {
    private record Cached(Object programs, Object groups, String problem, long second, byte[] json) {
        boolean isFor(AgentStatus s, long second) {
            return isSnapshot(s) && this.second == second;
        }

        boolean isSnapshot(AgentStatus s) {
            return programs == s.programs() && groups == s.groups() && problem == s.stateProblem();
        }
    }

    private final Control control;
    private volatile Cached cached;
    private final AtomicBoolean writing = new AtomicBoolean();

    StatusDocument(Control control) {
        this.control = control;
    }

    byte[] json() {
        AgentStatus s = control.status();
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c != null && c.isFor(s, second)) {
            return c.json;
        }
        // Only the second changed and another request is already writing the new document: this one
        // serves the previous (uptimes a second behind) instead of serialising too. A new snapshot is
        // always written, so a state change is never hidden. At thousands of requests/s the requests
        // that all wrote the document at each new second made the p99.
        boolean sameSnapshot = c != null && c.isSnapshot(s);
        if (sameSnapshot && !writing.compareAndSet(false, true)) {
            return c.json;
        }
        try {
            c = new Cached(s.programs(), s.groups(), s.stateProblem(), second, Json.bytes(Views.status(s)));
            cached = c;
            return c.json;
        } finally {
            if (sameSnapshot) {
                writing.set(false);
            }
        }
    }
}
