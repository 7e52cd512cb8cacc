package dev.baton.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The task number tells calls made in one loop task (which may share a /proc pass) from calls in another. */
class EventLoopTaskNumberTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Test
    void sameWithinATaskDifferentAcrossPostedScheduledAndCalledTasks() throws Exception {
        try (EventLoop loop = new EventLoop()) {
            CompletableFuture<long[]> posted = new CompletableFuture<>();
            loop.post(() -> posted.complete(new long[] {loop.taskNumber(), loop.taskNumber()}));
            long[] p = posted.get(LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(p[0], p[1]);

            CompletableFuture<Long> scheduled = new CompletableFuture<>();
            loop.schedule(Duration.ofMillis(1), () -> scheduled.complete(loop.taskNumber()));
            long s = scheduled.get(LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            long c1 = loop.call(loop::taskNumber, LIMIT);
            long c2 = loop.call(loop::taskNumber, LIMIT);

            assertNotEquals(p[0], s);
            assertNotEquals(s, c1);
            assertNotEquals(c1, c2);
        }
    }
}
