package dev.baton.agent;

import dev.baton.agent.state.ProgramsState;
import dev.baton.process.ChildEnvironment;
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
 * time, so a reused pid is never hit; none recorded before a reboot) and every process carrying this agent's BATON_AGENT tag
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
        return end(previous, agentId, grace, cgroups, Adopted.NONE);
    }

    /**
     * The instances a re-exec handed over and that were verified: they, their process groups, their
     * tagged descendants and their cgroups are no stale instances. {@code afterReexec}: this process
     * was started by a re-exec, so a child it has before it spawned anything came through the exec,
     * and one not adopted is stale whatever its tag says (a handoff missing or refused: nobody else
     * would ever supervise or end it).
     */
    record Adopted(Set<Integer> pids, Set<String> tags, Set<java.nio.file.Path> cgroups, boolean afterReexec) {
        static final Adopted NONE = new Adopted(Set.of(), Set.of(), Set.of(), false);

        static Adopted of(java.util.List<ReexecHandoff.Handed> handed, boolean afterReexec) {
            return new Adopted(Set.copyOf(handed.stream().map(ReexecHandoff.Handed::pid).toList()),
                    Set.copyOf(handed.stream().map(ReexecHandoff.Handed::tag).toList()),
                    Set.copyOf(handed.stream().filter(h -> h.cgroup() != null)
                            .map(h -> java.nio.file.Path.of(h.cgroup())).toList()), afterReexec);
        }

        boolean owns(int pid) {
            if (pids.isEmpty()) {
                return false;
            }
            if (pids.contains(pid) || ProcessTable.stat(pid).map(s -> pids.contains(s.pgrp())).orElse(false)) {
                return true;
            }
            String tag = ProcessTable.environmentValue(pid, ChildEnvironment.INSTANCE);
            return tag != null && tags.contains(tag);
        }
    }

    /** {@link #end(ProgramsState, String, Duration, java.util.Optional)}, sparing what a re-exec adopted. */
    static Set<Integer> end(ProgramsState previous, String agentId, Duration grace,
                            java.util.Optional<ProgramCgroups> cgroups, Adopted adopted) {
        // First the cgroups of the last run's instances: whatever is in them, however it escaped.
        Set<Integer> killed = new TreeSet<>();
        cgroups.ifPresent(c -> killed.addAll(c.killAllExcept(grace, adopted.cgroups())));
        if (!killed.isEmpty()) {
            log.warn("killed {} process(es) left in the cgroups of a previous run of this agent: {}", killed.size(), killed);
        }
        Set<Integer> stale = find(previous, agentId, adopted);
        stale.addAll(killed);
        if (stale.size() == killed.size()) {
            return stale;
        }
        log.warn("found {} process(es) left from a previous run of this agent: {}; stopping them before "
                + "starting anything", stale.size(), stale);
        signal(stale, Signals.SIGTERM);
        if (!awaitGone(previous, agentId, grace, adopted)) {
            signal(find(previous, agentId, adopted), Signals.SIGKILL);
            if (!awaitGone(previous, agentId, Duration.ofSeconds(5), adopted)) {
                log.error("stale processes {} survived SIGKILL", find(previous, agentId, adopted));
            }
        }
        return stale;
    }

    static Set<Integer> find(ProgramsState previous, String agentId) {
        return find(previous, agentId, Adopted.NONE);
    }

    private static Set<Integer> find(ProgramsState previous, String agentId, Adopted adopted) {
        Set<Integer> pids = new TreeSet<>(ProcessTable.findByEnvironment(ChildEnvironment.AGENT, agentId));
        // Recorded before a reboot, a pid with its start time may be a stranger's now: only the tag counts.
        if (!previous.fromAnotherBoot()) {
            previous.programs().values().forEach(e -> {
                if (e.pid() > 0 && ProcessTable.isInstance(e.pid(), e.startTime())) {
                    pids.add(e.pid());
                    pids.addAll(ProcessTable.groupMembers(e.pid()));
                }
            });
        }
        if (adopted.afterReexec()) {
            int self = Os.pid();
            ProcessTable.descendantsOf(self).stream().filter(p -> p.ppid() == self).forEach(p -> pids.add(p.pid()));
        }
        pids.remove(Os.pid());
        pids.removeIf(adopted::owns);
        return pids;
    }

    private static void signal(Set<Integer> pids, int signal) {
        for (int pid : pids) {
            Os.killGroup(pid, signal);
            Os.kill(pid, signal);
        }
    }

    private static boolean awaitGone(ProgramsState previous, String agentId, Duration limit, Adopted adopted) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (find(previous, agentId, adopted).isEmpty()) {
                return true;
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return find(previous, agentId, adopted).isEmpty();
    }
}
