package dev.baton.agent;

import dev.baton.config.BatonConfig;
import dev.baton.process.os.Os;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import dev.baton.process.os.ProgramCgroups;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the start after a re-exec: which handed-over instances are what the handoff says, and so are
 * adopted. Each must be a child of this process (its parent task survived the exec) with the
 * recorded start time (no reused pid), carry this agent's tag, sit in its recorded cgroup, still be
 * in the config, and come with open pipe fds of its own. One that fails is not adopted: it is ended
 * as a stale instance (as after any restart), which the log says; its fds are closed.
 */
final class ReexecAdoption {
    private static final Logger log = LoggerFactory.getLogger(ReexecAdoption.class);

    private ReexecAdoption() {
    }

    static List<ReexecHandoff.Handed> verify(ReexecHandoff handoff, BatonConfig config, String agentId,
                                            Optional<ProgramCgroups> cgroups) {
        List<ReexecHandoff.Handed> adopted = new ArrayList<>();
        Set<Integer> fdsSeen = new HashSet<>();
        Set<String> programsSeen = new HashSet<>();
        for (ReexecHandoff.Handed h : handoff.instances()) {
            String why = whyNot(h, config, agentId, cgroups, fdsSeen, programsSeen);
            if (why == null) {
                adopted.add(h);
            } else {
                log.error("reexec: {} (pid {}) not adopted: {}; it is ended as a stale instance", h.program(), h.pid(), why);
                closeIfPipe(h.stdoutFd());
                closeIfPipe(h.stderrFd());
            }
        }
        return adopted;
    }

    private static String whyNot(ReexecHandoff.Handed h, BatonConfig config, String agentId,
                                 Optional<ProgramCgroups> cgroups, Set<Integer> fdsSeen, Set<String> programsSeen) {
        if (h.program() == null || h.tag() == null || h.startedAt() == null || h.pid() <= 1) {
            return "incomplete entry";
        }
        if (!config.programs().containsKey(h.program())) {
            return "no longer in the config";
        }
        if (!programsSeen.add(h.program())) {
            return "a second instance of the same program";
        }
        if (!h.tag().matches(java.util.regex.Pattern.quote(agentId + "." + h.program() + ".") + "[0-9]+")) {
            return "its tag " + h.tag() + " is not one of this agent's";
        }
        Optional<ProcStat> stat = ProcessTable.stat(h.pid());
        if (stat.isEmpty()) {
            return "no such process";
        }
        if (stat.get().ppid() != Os.pid()) {
            return "not a child of this agent (parent " + stat.get().ppid() + ")";
        }
        if (stat.get().startTime() != h.startTime()) {
            return "its pid was reused (start time " + stat.get().startTime() + ", recorded " + h.startTime() + ")";
        }
        if (h.cgroup() != null) {
            if (cgroups.isEmpty()) {
                return "it was in the cgroup " + h.cgroup() + ", this agent has no cgroups";
            }
            String expected = cgroups.get().dir(h.tag().substring(agentId.length() + 1)).toString();
            if (!expected.equals(h.cgroup())) {
                return "its cgroup " + h.cgroup() + " is not " + expected;
            }
            if (!stat.get().isZombie() && !cgroups.get().pids(java.nio.file.Path.of(h.cgroup())).contains(h.pid())) {
                return "it is not in its cgroup " + h.cgroup();
            }
        }
        for (int fd : new int[] {h.stdoutFd(), h.stderrFd()}) {
            if (fd < 0) {
                continue;
            }
            if (fd <= 2 || !fdsSeen.add(fd)) {
                return "fd " + fd + " cannot be its pipe";
            }
            String bad = Os.adoptPipe(fd);
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    private static void closeIfPipe(int fd) {
        if (fd > 2 && Os.adoptPipe(fd) == null) {
            Os.close(fd);
        }
    }
}
