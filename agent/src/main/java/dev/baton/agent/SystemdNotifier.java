package dev.baton.agent;

import dev.baton.control.AgentStatus;
import dev.baton.process.EventLoop;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import dev.baton.systemd.SdNotify;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks to systemd ({@code Type=notify}): READY=1 once the programs are started, a one-line
 * STATUS= whenever it changes (which engine is active), WATCHDOG=1 from the event loop itself
 * (so a stalled loop, not just a live JVM, is what systemd watches), STOPPING=1 at shutdown.
 * Does nothing when NOTIFY_SOCKET is not set.
 */
final class SystemdNotifier implements Supervisor.Listener {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    private final SdNotify notify;
    private final Supplier<List<ProgramStatus>> programs;
    private final Supplier<List<AgentStatus.GroupStatus>> groups;
    private String lastStatus = "";
    private boolean ready;
    private Supplier<Duration> heartbeat = () -> null;
    private boolean skipping;

    SystemdNotifier(SdNotify notify, Supplier<List<ProgramStatus>> programs, Supplier<List<AgentStatus.GroupStatus>> groups) {
        this.notify = notify;
        this.programs = programs;
        this.groups = groups;
    }

    /**
     * With a cluster: how long ago its thread (which runs the fencing timers) last ran, or null. The
     * watchdog is pinged only while this is below the ping interval: a stalled cluster thread cannot
     * fence, and systemd then kills the unit (the programs with it) within WatchdogSec.
     */
    void heartbeat(Supplier<Duration> age) {
        this.heartbeat = age;
    }

    /** After the first start of all programs; arms the watchdog on the loop. */
    void ready(EventLoop loop) {
        if (!notify.enabled()) {
            return;
        }
        ready = true;
        lastStatus = summary();
        notify.ready(lastStatus);
        SdNotify.watchdogInterval().ifPresent(interval -> watchdog(loop, interval));
    }

    /** Pings every {@code interval / 2} from the loop (gated by the cluster heartbeat). */
    void watchdog(EventLoop loop, Duration interval) {
        Duration every = interval.dividedBy(2);
        log.info("systemd watchdog every {} (WatchdogSec {})", every, interval);
        ping(loop, every);
    }

    private void ping(EventLoop loop, Duration every) {
        Duration age = heartbeat.get();
        if (age == null || age.compareTo(every) < 0) {
            notify.watchdog();
            if (skipping) {
                log.info("systemd watchdog: the cluster thread runs again, pinging again");
            }
            skipping = false;
        } else if (!skipping) {
            skipping = true;
            log.error("systemd watchdog: not pinging: the cluster thread has not run for {} ms (it must fence the"
                    + " exclusive programs); systemd will kill the agent and its programs", age.toMillis());
        }
        loop.schedule(every, () -> ping(loop, every));
    }

    void stopping() {
        notify.stopping("stopping all programs");
    }

    @Override
    public void stateChanged(ProgramStatus status, ProcessState from) {
        if (ready) {
            String s = summary();
            if (!s.equals(lastStatus)) {
                lastStatus = s;
                notify.status(s);
            }
        }
    }

    /** e.g. "4 programs: 3 RUNNING, 1 STOPPED; chainflip: 1.1.0 active, release 1.1.0". */
    String summary() {
        List<ProgramStatus> ps = programs.get();
        Map<ProcessState, Integer> counts = new TreeMap<>();
        ps.forEach(p -> counts.merge(p.state(), 1, Integer::sum));
        StringBuilder sb = new StringBuilder().append(ps.size()).append(ps.size() == 1 ? " program: " : " programs: ");
        counts.forEach((state, n) -> sb.append(n).append(' ').append(state).append(", "));
        sb.setLength(sb.length() - 2);
        for (AgentStatus.GroupStatus g : groups.get()) {
            sb.append("; ").append(g.name()).append(": ").append(g.active() == null ? "no active engine" : g.active() + " active")
                    .append(g.release() == null ? "" : ", release " + g.release());
            if (g.error() != null) {
                sb.append(" (ERROR)");
            }
        }
        return sb.toString();
    }
}
