package dev.baton.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputBudgetTest {
    @Test
    void aFullBudgetRefusesAndCutsTheConnectionThatWaitedLongestWithoutReading() {
        OutputBudget budget = new OutputBudget(100, 60);
        List<String> cut = new ArrayList<>();
        OutputBudget.Account stalled = budget.open(() -> cut.add("stalled"));
        OutputBudget.Account reader = budget.open(() -> cut.add("reader"));
        OutputBudget.Account newcomer = budget.open(() -> cut.add("newcomer"));
        assertTrue(stalled.reserve(50));
        assertTrue(reader.reserve(40));
        reader.release(10); // the reader makes progress: it is not the slowest
        assertFalse(newcomer.reserve(61), "over one connection's share");
        assertFalse(newcomer.reserve(50), "the total is reached: refused for now");
        assertEquals(List.of("stalled"), cut);
        assertFalse(newcomer.reserve(50), "the stalled one counts until it has closed; it is not cut twice");
        assertEquals(List.of("stalled", "reader"), cut);
        stalled.close();
        assertTrue(newcomer.reserve(50));
        assertEquals(80, budget.used());
    }

    @Test
    void anAnswerCountsUntilTheConnectionsNextRequest() {
        OutputBudget budget = new OutputBudget(100, 100);
        OutputBudget.Account a = budget.open(() -> { });
        assertTrue(a.reserve(70));
        a.responseSent(70);
        assertFalse(a.hasRoomFor(40));
        a.nextRequest();
        assertEquals(0, budget.used());
        assertTrue(a.hasRoomFor(100));
        assertEquals(0, budget.used(), "a check takes nothing");
    }
}
