package dev.baton.process.os;

/**
 * Told by the {@link Reaper} about every child it reaps, on the reaper thread.
 *
 * <p>It must tolerate pids it does not know: orphans that re-parented to the agent (child subreaper), and a pid
 * whose spawn has not been registered yet when spawn and registration happen on different threads.
 */
@FunctionalInterface
public interface ExitListener {
    void onExit(int pid, ExitStatus status);
}
