package dev.baton.agent;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators asked of the agent through its API (who, what, when), for the history beside the
 * handover events: the newest {@value #KEPT} in memory, and each one in the agent's log.
 */
final class OperatorLog {
    static final String KIND = "OPERATOR_ACTION";
    static final int KEPT = 500;
    private static final Logger log = LoggerFactory.getLogger(OperatorLog.class);

    private final ArrayDeque<HandoverRecord> records = new ArrayDeque<>();

    /** {@code who}: the Unix socket peer's user, or "token" over TCP; {@code program} null for the agent. */
    void record(String who, String what, String program) {
        String message = who + ": " + what + (program != null ? " " + program : "");
        log.info("operator {}", message);
        Instant now = Instant.now();
        HandoverRecord r = new HandoverRecord(now, null, KIND, program, message, 1, now, who);
        synchronized (records) {
            if (records.size() == KEPT) {
                records.removeFirst();
            }
            records.addLast(r);
        }
    }

    List<HandoverRecord> all() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }
}
