package dev.baton.process.os;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A paused reaper leaves exits unreaped (zombies, waitable by whoever reaps next: after a re-exec
 * in place, the new agent, which attributes them to the programs it adopted) and reports them once
 * resumed.
 */
class ReaperPauseTest {
    @Test
    void aPausedReaperLeavesTheExitWaitableAndReportsItOnResume() throws Exception {
        Map<Integer, ExitStatus> exits = new ConcurrentHashMap<>();
        try (Spawner spawner = new Spawner(); Reaper reaper = new Reaper(exits::put)) {
            reaper.start();
            SpawnedProcess before = spawner.spawn(Children.request("sh", "-c", "exit 3"));
            reaper.childSpawned();
            await().atMost(Duration.ofSeconds(30)).until(() -> exits.containsKey(before.pid()));

            reaper.pause();
            SpawnedProcess child = spawner.spawn(Children.request("sh", "-c", "exit 7"));
            reaper.childSpawned();
            Children.closePipes(child);
            Children.closePipes(before);
            await().atMost(Duration.ofSeconds(30)).until(() -> ProcessTable.stat(child.pid()).map(ProcStat::isZombie)
                    .orElse(false));
            // It stays a zombie, unreported, as long as the reaper is paused.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(30)).until(() -> !exits.containsKey(child.pid())
                    && ProcessTable.stat(child.pid()).map(ProcStat::isZombie).orElse(false));

            reaper.resume();
            await().atMost(Duration.ofSeconds(30)).until(() -> exits.containsKey(child.pid()));
            assertEquals(ExitStatus.exited(7), exits.get(child.pid()));
            assertEquals(ExitStatus.exited(3), exits.get(before.pid()));
        }
    }
}
