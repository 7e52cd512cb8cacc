package dev.baton.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How a standby decides it may take over: only while its check passes does it campaign for the lock
 * (a host that has not caught up must not take over, solana#24041).
 */
public sealed interface ReadinessSpec {

    /** Ready when GET {@code url} answers 2xx within {@code timeout}. */
    record Http(URI url, Duration timeout) implements ReadinessSpec {
    }

    /** Ready when {@code argv} exits 0 within {@code timeout}. */
    record Command(List<String> argv, Duration timeout) implements ReadinessSpec {
    }

    /** Ready when the agent reports one of {@code roles} for {@code program} (the handover's engine role). */
    record EngineRole(String program, Set<String> roles) implements ReadinessSpec {
    }

    /** Always ready: only for programs that need no catching up. Must be chosen explicitly. */
    record Always() implements ReadinessSpec {
    }
}
