package dev.baton.process;

import java.time.Instant;

/**
 * One spawned process of a program: pid plus start time identify it even after pid reuse, and the
 * tag (in the child's environment as {@code BATON_INSTANCE}) finds descendants that left its
 * process group (double-forked daemons).
 *
 * @param pid          process id, also the process group id
 * @param startTime    /proc start time of the process (clock ticks since boot)
 * @param tag          unique instance tag
 * @param startedNanos monotonic time of the spawn
 * @param startedAt    wall time of the spawn, for display
 */
public record Instance(int pid, long startTime, String tag, long startedNanos, Instant startedAt) {
}
