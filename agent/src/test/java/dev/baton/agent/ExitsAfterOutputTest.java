package dev.baton.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.process.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An exit is judged after the output's end, in whichever order the two arrive, and at the limit without it. */
class ExitsAfterOutputTest {

    @Test
    void theExitWaitsForTheOutputsEndOrTheLimit() throws Exception {
        try (EventLoop loop = new EventLoop()) {
            ExitsAfterOutput exits = new ExitsAfterOutput(loop);
            List<Integer> judged = new CopyOnWriteArrayList<>();
            loop.call(() -> {
                exits.outputEnded(1); // output first: the exit is judged at once
                exits.exited(1, () -> judged.add(1));
                exits.exited(2, () -> judged.add(2)); // exit first: judged at the output's end
                return null;
            }, Duration.ofSeconds(5));
            assertEquals(List.of(1), judged);
            loop.call(() -> {
                exits.outputEnded(2);
                exits.exited(3, () -> judged.add(3)); // a leftover keeps the pipe open: judged at the limit
                return null;
            }, Duration.ofSeconds(5));
            assertEquals(List.of(1, 2), judged);
            await().atMost(Duration.ofSeconds(30)).until(() -> judged.size() == 3);
            loop.call(() -> {
                exits.outputEnded(3); // the late end is about nothing; a new process with that pid waits again
                exits.exited(3, () -> judged.add(4));
                exits.outputEnded(3);
                return null;
            }, Duration.ofSeconds(5));
            assertEquals(List.of(1, 2, 3, 4), judged);
        }
    }
}
