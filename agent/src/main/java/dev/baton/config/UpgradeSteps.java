package dev.baton.config;

import java.time.Duration;
import java.util.List;

/**
 * What a sequential group runs between the old version's exit at the upgrade and the next version's
 * start (cosmovisor's pre-upgrade and backup): {@code [groups.NAME] pre_upgrade}, {@code backup}.
 *
 * @param preUpgrade        argv, or empty: exit 0 or 1 go on, 30 fail, 31 retry ({@code retries} times), anything else fail
 * @param retries           how many times an exit 31 runs the command again before the upgrade fails
 * @param preUpgradeTimeout a run longer than this is killed and fails the upgrade
 * @param backup            argv, or empty: run after the pre-upgrade command; must exit 0
 * @param backupTimeout     a backup longer than this is killed and fails the upgrade
 */
public record UpgradeSteps(List<String> preUpgrade, int retries, Duration preUpgradeTimeout, List<String> backup,
                           Duration backupTimeout) {
    public static final Duration DEFAULT_PRE_UPGRADE_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_BACKUP_TIMEOUT = Duration.ofHours(1);
    /** cosmovisor's exit code for "this binary has no pre-upgrade command": the upgrade goes on. */
    public static final int EXIT_NOT_IMPLEMENTED = 1;
    /** cosmovisor's exit code for "fail the upgrade". */
    public static final int EXIT_FAIL = 30;
    /** cosmovisor's exit code for "run me again". */
    public static final int EXIT_RETRY = 31;

    public UpgradeSteps {
        preUpgrade = List.copyOf(preUpgrade);
        backup = List.copyOf(backup);
    }
}
