package dev.baton.process.os;

/**
 * A child that posix_spawn started, leader of its own process group (pgid == pid).
 *
 * @param pid       process id (and process group id)
 * @param startTime the process start time from /proc/PID/stat (field 22, clock ticks since boot):
 *                  pid plus start time identifies one instance even after pid reuse
 * @param stdoutFd  read end of the child's stdout pipe (O_CLOEXEC, O_NONBLOCK); the caller owns it
 * @param stderrFd  read end of the child's stderr pipe (O_CLOEXEC, O_NONBLOCK); the caller owns it
 */
public record SpawnedProcess(int pid, long startTime, int stdoutFd, int stderrFd) {
}
