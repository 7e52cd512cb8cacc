package dev.baton.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The optional check before a planned switchover ({@code exclusive.safe_moment}, e.g. "no leader slot
 * of this validator within the next N slots"). It runs on the holder, so a switchover of such a lock
 * must be asked of the holder's agent; the dry run runs it once and shows the result, a switchover
 * waits for it to pass (retrying every check interval, within {@code failover_timeout}) and is
 * refused with its last result otherwise. Automatic failover (a dead or fenced holder) never waits for it.
 */
public final class SafeMoment {
    private final ExclusiveProgramSettings settings;
    private final ExclusiveProgramControl control;
    private final ClusterSettings cluster;

    public SafeMoment(ExclusiveProgramSettings settings, ExclusiveProgramControl control, ClusterSettings cluster) {
        this.settings = settings;
        this.control = control;
        this.cluster = cluster;
    }

    /** The plan with the check's part: a step, or a problem when this host is not the holder. Runs the check once. */
    public FailoverPlan addTo(FailoverPlan plan) {
        if (plan.holder() == null) {
            return plan;
        }
        List<String> steps = new ArrayList<>();
        List<String> problems = new ArrayList<>(plan.problems());
        String command = String.join(" ", settings.safeMoment().argv());
        if (!cluster.host().equals(plan.holder())) {
            problems.add("lock " + plan.lock() + " has a safe_moment check, which runs on its holder: ask " + plan.holder()
                    + " (run baton failover there)");
        } else {
            HookResult now = check(plan);
            steps.add("safe moment: " + command + " " + now.outcome() + " now" + (now.succeeded() ? ""
                    : "; a switchover waits until it exits 0, at most failover_timeout "
                    + ClusterSettings.show(cluster.failoverTimeout()) + ", else it is refused"));
        }
        steps.addAll(plan.steps());
        return new FailoverPlan(plan.lock(), plan.holder(), plan.holderToken(), plan.target(), steps, problems);
    }

    /**
     * Waits (blocking the caller) until the check passes; throws {@link ClusterException} with its last
     * result when it did not within {@code failover_timeout}.
     */
    public void await(FailoverPlan plan) {
        long deadline = System.nanoTime() + cluster.failoverTimeout().toNanos();
        while (true) {
            HookResult r = check(plan);
            if (r.succeeded()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ClusterException("not a safe moment: " + String.join(" ", settings.safeMoment().argv()) + " "
                        + r.outcome() + ", still after failover_timeout " + ClusterSettings.show(cluster.failoverTimeout())
                        + "; nothing changed");
            }
            LockSupport.parkNanos(cluster.checkInterval().toNanos());
        }
    }

    private HookResult check(FailoverPlan plan) {
        Map<String, String> env = new HashMap<>();
        env.put(ExclusiveProgramControl.LOCK_ENV, plan.lock());
        env.put(ExclusiveProgramControl.FENCING_TOKEN_ENV, Long.toString(plan.holderToken()));
        env.put(ExclusiveProgramControl.TARGET_ENV, plan.target() == null ? "" : plan.target());
        env.put(ExclusiveProgramControl.HOOK_ENV, "safe_moment");
        Duration timeout = settings.safeMoment().timeout();
        return control.runHook(settings.program(), settings.safeMoment().argv(), env, timeout);
    }
}
