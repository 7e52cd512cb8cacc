package dev.baton.agent;

import dev.baton.process.EventLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A program's exit is judged only once its pipes were read to their end. The reaper and the log
 * reader are two threads: a program that prints "You need to update your CFE" (or "no longer
 * compatible") and exits at once may be reaped before its last line is read, and the exit, judged
 * first, would restart what the line says must not be restarted. Holding the exit until the pipes'
 * end puts every line's decision on the loop before it, whatever the order the two threads saw them
 * in. A pipe a leftover process keeps open is waited for at most {@link #LIMIT}. Loop only.
 */
final class ExitsAfterOutput {
    static final Duration LIMIT = Duration.ofSeconds(2);

    private final EventLoop loop;
    /** Processes whose output ended before their exit was reported. */
    private final Set<Integer> drained = new HashSet<>();
    /** Exits waiting for their output's end, by pid. */
    private final Map<Integer, Runnable> waiting = new HashMap<>();
    /** Processes whose exit was judged at the limit: their output's end, when it comes, is about nothing. */
    private final Set<Integer> late = new HashSet<>();

    ExitsAfterOutput(EventLoop loop) {
        this.loop = loop;
    }

    /** Every pipe of {@code pid} reached its end, and its lines were handed to the listeners. */
    void outputEnded(int pid) {
        if (late.remove(pid)) {
            return;
        }
        Runnable judge = waiting.remove(pid);
        if (judge != null) {
            judge.run();
        } else {
            drained.add(pid);
        }
    }

    /** {@code pid} exited: {@code judge} runs now if its output ended, else at its end or after {@link #LIMIT}. */
    void exited(int pid, Runnable judge) {
        if (drained.remove(pid)) {
            judge.run();
            return;
        }
        waiting.put(pid, judge);
        loop.schedule(LIMIT, () -> {
            if (waiting.remove(pid, judge)) {
                late.add(pid);
                judge.run();
            }
        });
    }
}
