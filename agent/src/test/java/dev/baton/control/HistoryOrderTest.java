package dev.baton.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The history after the wall clock was set back (seen live: an agent under libfaketime, its clock
 * moved back an hour between two operator actions): the newest action is last, and the newest is
 * what a limit keeps.
 */
class HistoryOrderTest {
    private static HandoverRecord at(String time, String what) {
        return new HandoverRecord(Instant.parse(time), null, "OPERATOR_ACTION", "tick", what, 1, Instant.parse(time), "root");
    }

    @Test
    void eventsRecordedAfterTheClockWentBackStayAfterTheOlderOnes() {
        List<HandoverRecord> operators = List.of(at("2026-12-04T18:01:15.693Z", "root: stop tick"),
                at("2026-12-04T18:01:17.668Z", "root: start tick"), at("2026-12-04T17:01:21.822Z", "root: stop tick (after)"));
        List<HandoverRecord> engines = List.of(at("2026-12-04T18:01:16.000Z", "chainflip: cfe10 is active"));

        List<HandoverRecord> all = HistoryOrder.merge(List.of(engines, operators), 10);

        assertEquals(List.of("root: stop tick", "chainflip: cfe10 is active", "root: start tick", "root: stop tick (after)"),
                all.stream().map(HandoverRecord::message).toList());
        assertEquals("root: stop tick (after)", HistoryOrder.merge(List.of(engines, operators), 1).get(0).message());
    }
}
