package dev.baton.agent;

import dev.baton.process.os.Os;
import dev.baton.process.os.ProcessTable;
import dev.baton.process.os.ProgramCgroups;
import dev.baton.process.os.Signals;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends what a previous run of this agent left behind before anything is started, so a restarted
 * agent never runs a second copy of a program. Two nets: the recorded instances (pid plus start
 * time, so a reused pid is never hit) and every process carrying this agent's BATON_AGENT tag
 * (descendants that left their group, or an instance spawned just before a crash).
 */
public final class StaleInstances {
    private static final Logger log = LoggerFactory.getLogger(StaleInstances.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private StaleInstances() {
    }

    /**
     * Sends SIGTERM, waits up to {@code grace}, then SIGKILL, waits until they are gone (bounded).
     *
     * @return the pids that were found
     */
    public static Set<Integer> end(ProgramsState previous, String agentId, Duration grace,
                                   java.util.Optional<ProgramCgroups> cgroups) {
        // First the cgroups of the last run's instances: whatever is in them, however it escaped.
        Set<Integer> killed = new TreeSet<>();
        cgroups.ifPresent(c -> killed.addAll(c.killAll(grace)));
        if (!killed.isEmpty()) {
            log.warn("killed {} process(es) left in the cgroups of a previous run of this agent: {}", killed.size(), killed);
        }
        Set<Integer> stale = find(previous, agentId);
        stale.addAll(killed);
        if (stale.size() == killed.size()) {
            return stale;
        }
        log.warn("found {} process(es) left from a previous run of this agent: {}; stopping them before "
                + "starting anything", stale.size(), stale);
        signal(stale, Signals.SIGTERM);
        if (!awaitGone(previous, agentId, grace)) {
            signal(find(previous, agentId), Signals.SIGKILL);
            if (!awaitGone(previous, agentId, Duration.ofSeconds(5))) {
                log.error("stale processes {} survived SIGKILL", find(previous, agentId));
            }
        }
        return stale;
    }

    static Set<Integer> find(ProgramsState previous, String agentId) {
        Set<Integer> pids = new TreeSet<>(ProcessTable.findByEnvironment(ChildEnvironment.AGENT, agentId));
        previous.programs().values().forEach(e -> {
            if (e.pid() > 0 && ProcessTable.isInstance(e.pid(), e.startTime())) {
                pids.add(e.pid());
                pids.addAll(ProcessTable.groupMembers(e.pid()));
            }
        });
        pids.remove(Os.pid());
        return pids;
    }

    private static void signal(Set<Integer> pids, int signal) {
        for (int pid : pids) {
            Os.killGroup(pid, signal);
            Os.kill(pid, signal);
        }
    }

    private static boolean awaitGone(ProgramsState previous, String agentId, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (find(previous, agentId).isEmpty()) {
                return true;
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return find(previous, agentId).isEmpty();
    }
}
