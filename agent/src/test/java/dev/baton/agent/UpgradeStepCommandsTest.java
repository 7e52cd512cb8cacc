package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.UpgradeSteps;
import dev.baton.process.os.ExitStatus;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** cosmovisor's pre-upgrade contract and the backup, on the results of the commands (the real runs: CosmosUpgradeTest). */
class UpgradeStepCommandsTest {
    private static final List<String> PRE = List.of("/usr/local/bin/pre");
    private static final List<String> BACKUP = List.of("/usr/local/bin/backup");

    private final List<List<String>> ran = new ArrayList<>();

    private String run(int retries, ChildCommands.Result... results) {
        Deque<ChildCommands.Result> next = new ArrayDeque<>(List.of(results));
        UpgradeSteps steps = new UpgradeSteps(PRE, retries, Duration.ofMinutes(5), BACKUP, Duration.ofHours(1));
        return UpgradeStepCommands.run(steps, (argv, timeout) -> {
            ran.add(argv);
            return next.remove();
        });
    }

    private static ChildCommands.Result exit(int code) {
        return new ChildCommands.Result(ExitStatus.exited(code), null);
    }

    @Test
    void exit0GoesOnToTheBackup() {
        assertNull(run(0, exit(0), exit(0)));
        assertEquals(List.of(PRE, BACKUP), ran);
    }

    @Test
    void exit31RetriesUpToTheLimit() {
        assertNull(run(2, exit(31), exit(31), exit(0), exit(0)));
        assertEquals(List.of(PRE, PRE, PRE, BACKUP), ran);
        ran.clear();
        String failure = run(2, exit(31), exit(31), exit(31));
        assertTrue(failure.contains("exited 31 (retry) 3 time(s), more than pre_upgrade_retries = 2 allows"), failure);
        assertEquals(List.of(PRE, PRE, PRE), ran, "no backup after a failed pre-upgrade");
    }

    @Test
    void exit30AnyOtherExitASignalOrATimeoutFail() {
        assertTrue(run(3, exit(30)).contains("exited 30: it says the upgrade must not go on"));
        assertTrue(run(3, exit(2)).contains("exited 2 (0 and 1 go on, 30 fails, 31 retries)"));
        assertTrue(run(3, new ChildCommands.Result(ExitStatus.killed(9), null)).contains("killed by SIGKILL"));
        assertTrue(run(3, new ChildCommands.Result(null, "timed out after PT5M (killed)")).contains("timed out after PT5M"));
        assertEquals(4, ran.size(), "each failed at once, no retry");
    }

    /** cosmovisor: exit 1 is a binary without a pre-upgrade command (cobra's unknown command), and the upgrade goes on. */
    @Test
    void exit1IsNoPreUpgradeCommandAndGoesOn() {
        assertNull(run(0, exit(1), exit(0)));
        assertEquals(List.of(PRE, BACKUP), ran);
    }

    @Test
    void aFailedBackupFailsTheUpgrade() {
        String failure = run(0, exit(0), exit(2));
        assertTrue(failure.startsWith("the backup command [/usr/local/bin/backup] exit 2 (it must exit 0)"), failure);
    }
}
