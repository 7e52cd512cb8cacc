package dev.baton.process;

import dev.baton.process.os.SpawnException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a {@link Program} needs from the agent: the OS, timers and a place to report changes.
 * Everything is called on the event loop.
 */
public interface ProgramHost {
    /** Spawns the program's command and attaches its pipes to the log pipeline. */
    Instance launch(Program program) throws SpawnException;

    /** Sends a signal to every live process of the instance: its group and its tagged descendants. */
    void signalAll(Instance instance, int signal);

    /**
     * Whether the instance's main process is alive right now. Its exit reaches {@link Program#onExit} later (once
     * its output was read to the end), so a process can be gone here while its program still says STARTING.
     */
    boolean mainAlive(Instance instance);

    /** Live processes of the instance (group members and tagged descendants); empty when all are gone. */
    List<Integer> liveProcesses(Instance instance);

    EventLoop.Timer schedule(Duration delay, Runnable task);

    /**
     * Runs {@code check} after about {@code delay}, in one loop task with the other checks due by
     * then (so that one pass over /proc serves every stopping program's "is it gone yet?").
     */
    void checkSoon(Duration delay, Runnable check);

    Duration restartDelay(Program program, int attempt);

    /** The agent stops every program to exit: from then on no process is started, not even a restart. */
    boolean stoppingAll();

    /** Called after every state change. */
    void stateChanged(Program program, ProcessState from);

    long nanoTime();

    Instant now();
}
