package dev.baton.handover;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The chain's release as a group knows it, and the confirmation rule for reports that contradict it.
 *
 * <p>A release newer than the known one is taken at once: an engine cannot see a release that does
 * not exist yet, and acting on it still needs a ready successor (see {@link EngineGroup}). A release
 * <em>older</em> than the known one (a rollback, or a stale line from a lagging engine) stays a
 * candidate until confirmed: reported by two different engines, or by one engine in two process
 * lifetimes (it said it, exited, was started again and said it again), or by the engine of the known
 * release in a process started after that release was learned that has not worked since (a fresh look:
 * restarted while the chain rolled back, it waits at every block and never says it in a second
 * lifetime), or by an engine that works at it and not at the known one, and never while an engine
 * compatible with the known release is still active (the working engine has the last word). A report
 * of the known release drops the candidate.
 */
final class ReleaseTracker {

    enum Outcome { SAME, FORWARD, CONFIRMED_BACK, PENDING }

    private Version current;
    private Version previous;
    private Instant changedAt;
    private Version candidate;
    private final Map<String, Set<Integer>> candidateReports = new HashMap<>();

    Version current() {
        return current;
    }

    Version previous() {
        return previous;
    }

    Instant changedAt() {
        return changedAt;
    }

    Version candidate() {
        return candidate;
    }

    void restore(Version current, Version previous, Instant changedAt) {
        this.current = current;
        this.previous = previous;
        this.changedAt = changedAt;
    }

    /**
     * @param activeAtCurrent an engine compatible with the known release is active (and is not the reporter)
     * @param freshLook       the reporter is the known release's engine in a process started since that release
     *                        was learned and not active since: its report alone confirms
     */
    Outcome observe(String program, int lifetime, Version release, boolean activeAtCurrent, boolean freshLook, Instant now) {
        if (current == null || release.isNewerThan(current)) {
            change(release, now);
            return Outcome.FORWARD;
        }
        if (release.compareTo(current) == 0) {
            dropCandidate();
            return Outcome.SAME;
        }
        if (!release.equals(candidate)) {
            dropCandidate();
            candidate = release;
        }
        candidateReports.computeIfAbsent(program, p -> new HashSet<>()).add(lifetime);
        boolean confirmed = freshLook || candidateReports.size() >= 2 || candidateReports.get(program).size() >= 2;
        if (confirmed && !activeAtCurrent) {
            change(release, now);
            return Outcome.CONFIRMED_BACK;
        }
        return Outcome.PENDING;
    }

    /** The candidate (an older release) is the release now: an engine works at it. Returns it, or null when there is none. */
    Version confirmCandidate(Instant now) {
        Version back = candidate;
        if (back != null) {
            change(back, now);
        }
        return back;
    }

    private void change(Version release, Instant now) {
        previous = current;
        current = release;
        changedAt = now;
        dropCandidate();
    }

    private void dropCandidate() {
        candidate = null;
        candidateReports.clear();
    }
}
