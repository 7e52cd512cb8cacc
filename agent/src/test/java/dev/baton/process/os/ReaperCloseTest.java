package dev.baton.process.os;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Closing the reaper leaves no zombie behind: children that exited before the close (the grandchildren
 * a stop killed last) are reaped, without being reported. StopTest saw the agent close its reaper
 * between those kills and their reaping.
 */
class ReaperCloseTest {
    @Test
    void childrenThatExitedBeforeTheCloseAreReapedUnreported() throws Exception {
        Map<Integer, ExitStatus> exits = new ConcurrentHashMap<>();
        List<Integer> pids = new ArrayList<>();
        try (Spawner spawner = new Spawner()) {
            Reaper reaper = new Reaper(exits::put);
            reaper.start();
            reaper.pause(); // the exits below stay zombies until the close, as when the reaper is behind
            for (int i = 0; i < 3; i++) {
                SpawnedProcess child = spawner.spawn(Children.request("sh", "-c", "exit " + i));
                reaper.childSpawned();
                Children.closePipes(child);
                pids.add(child.pid());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pids.stream().allMatch(ReaperCloseTest::isZombie));

            reaper.close();

            for (int pid : pids) {
                assertTrue(ProcessTable.stat(pid).isEmpty(), "pid " + pid + " is still there: " + ProcessTable.stat(pid));
            }
            assertEquals(Map.of(), exits, "nothing is reported after the close");
        }
    }

    private static boolean isZombie(int pid) {
        return ProcessTable.stat(pid).map(ProcStat::isZombie).orElse(false);
    }
}
