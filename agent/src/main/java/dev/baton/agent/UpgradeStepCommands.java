package dev.baton.agent;

import dev.baton.config.UpgradeSteps;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Runs a sequential group's upgrade steps with cosmovisor's contract: the pre-upgrade command's exit
 * 0 goes on, 1 goes on too (the binary has no pre-upgrade command: cobra's "unknown command" exits 1,
 * and cosmovisor continues), 30 fails the upgrade, 31 runs it again (at most {@code pre_upgrade_retries}
 * times); any other end (another code, a signal, a timeout) fails, where cosmovisor would go on; then
 * the backup command, which must exit 0.
 * Blocks: off the event loop.
 */
final class UpgradeStepCommands {
    private UpgradeStepCommands() {
    }

    /** Null when the next version may start, else why not (for the group's error). */
    static String run(UpgradeSteps steps, BiFunction<List<String>, Duration, ChildCommands.Result> commands) {
        if (steps == null) {
            return null; // removed by a reload while pending
        }
        if (!steps.preUpgrade().isEmpty()) {
            for (int attempt = 0; ; attempt++) {
                ChildCommands.Result r = commands.apply(steps.preUpgrade(), steps.preUpgradeTimeout());
                if (r.succeeded() || notImplemented(r)) {
                    break;
                }
                String what = "the pre-upgrade command " + steps.preUpgrade() + " ";
                if (r.status() == null || r.status().bySignal()) {
                    return what + r.describe();
                }
                int code = r.status().code();
                if (code == UpgradeSteps.EXIT_FAIL) {
                    return what + "exited 30: it says the upgrade must not go on";
                }
                if (code != UpgradeSteps.EXIT_RETRY) {
                    return what + "exited " + code + " (0 and 1 go on, 30 fails, 31 retries)";
                }
                if (attempt >= steps.retries()) {
                    return what + "exited 31 (retry) " + (attempt + 1) + " time(s), more than pre_upgrade_retries = " + steps.retries()
                            + " allows";
                }
            }
        }
        if (!steps.backup().isEmpty()) {
            ChildCommands.Result r = commands.apply(steps.backup(), steps.backupTimeout());
            if (!r.succeeded()) {
                return "the backup command " + steps.backup() + " " + r.describe() + " (it must exit 0)";
            }
        }
        return null;
    }

    private static boolean notImplemented(ChildCommands.Result r) {
        return r.status() != null && !r.status().bySignal() && r.status().code() == UpgradeSteps.EXIT_NOT_IMPLEMENTED;
    }
}
