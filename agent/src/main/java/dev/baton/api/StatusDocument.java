package dev.baton.api;

import dev.baton.control.AgentStatus;
import dev.baton.control.Control;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@code GET /v1/status} as bytes, written again only when the agent published a new snapshot
 * (its lists are replaced at every change) or the second changed (uptimes count seconds). A probe
 * polling status thousands of times a second then costs one JSON serialisation per second.
 */
final class StatusDocument {
    private record Cached(Object programs, Object groups, String problem, Views.ApiInfo api, long second, byte[] json) {
        boolean isFor(AgentStatus s, long second) {
            return isSnapshot(s) && this.second == second;
        }

        boolean isSnapshot(AgentStatus s) {
            return programs == s.programs() && groups == s.groups() && problem == s.stateProblem();
        }
    }

    /** The snapshot and where the API listens (a new record at each change of either). */
    private boolean isFor(Cached c, AgentStatus s, Views.ApiInfo api, long second) {
        return c != null && c.api == api && c.isFor(s, second);
    }

    private final Control control;
    private final Supplier<Views.ApiInfo> api;
    private volatile Cached cached;
    private final AtomicBoolean writing = new AtomicBoolean();

    StatusDocument(Control control, Supplier<Views.ApiInfo> api) {
        this.control = control;
        this.api = api;
    }

    byte[] json() {
        AgentStatus s = control.status();
        Views.ApiInfo listening = api.get();
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (isFor(c, s, listening, second)) {
            return c.json;
        }
        // Only the second changed and another request is already writing the new document: this one
        // serves the previous (uptimes a second behind) instead of serialising too. A new snapshot is
        // always written, so a state change is never hidden. At thousands of requests/s the requests
        // that all wrote the document at each new second made the p99.
        boolean sameSnapshot = c != null && c.api == listening && c.isSnapshot(s);
        if (sameSnapshot && !writing.compareAndSet(false, true)) {
            return c.json;
        }
        try {
            c = new Cached(s.programs(), s.groups(), s.stateProblem(), listening, second,
                    Json.bytes(Views.status(s, listening)));
            cached = c;
            return c.json;
        } finally {
            if (sameSnapshot) {
                writing.set(false);
            }
        }
    }
}
