package dev.baton.cluster;

import java.util.List;

/**
 * What a switchover would do (the CLI's dry run) and why it cannot, if it cannot.
 *
 * @param lock        lock name
 * @param holder      current holder (null: the lock is free)
 * @param holderToken current fencing token (0: free)
 * @param target      requested target, or null for any ready standby
 * @param steps       the protocol steps, in order, as sentences
 * @param problems    reasons the switchover would be refused; empty when it can go ahead
 */
public record FailoverPlan(String lock, String holder, long holderToken, String target, List<String> steps,
                           List<String> problems) {

    public boolean feasible() {
        return problems.isEmpty();
    }

    /** The plan as the CLI prints it. */
    public String render() {
        StringBuilder out = new StringBuilder("switchover of lock ").append(lock).append('\n');
        for (int i = 0; i < steps.size(); i++) {
            out.append("  ").append(i + 1).append(". ").append(steps.get(i)).append('\n');
        }
        problems.forEach(p -> out.append("  refused: ").append(p).append('\n'));
        return out.toString();
    }
}
