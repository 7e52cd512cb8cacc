/**
 * The operating-system layer of the supervisor: starting, signalling, reaping and finding processes on Linux.
 *
 * <ul>
 *   <li>{@link dev.baton.process.os.Spawner} starts a {@link dev.baton.process.os.SpawnRequest} with glibc's
 *       posix_spawn on one long-lived thread and returns a {@link dev.baton.process.os.SpawnedProcess} (pid, start
 *       time, the read ends of its stdout and stderr pipes). Each child leads a new session, has a clean signal
 *       state (nothing blocked, every action default but SIGPIPE and SIGXFSZ, ignored as under supervisord), fds
 *       0-2 only and exactly the requested environment; setpriv adds the parent-death signal and the user
 *       switch.</li>
 *   <li>{@link dev.baton.process.os.Reaper} reaps every child (and every orphan, once
 *       {@link dev.baton.process.os.Os#becomeChildSubreaper()} ran) and reports
 *       {@link dev.baton.process.os.ExitStatus}es to an {@link dev.baton.process.os.ExitListener}.</li>
 *   <li>{@link dev.baton.process.os.Os} signals processes and process groups;
 *       {@link dev.baton.process.os.ProcessTable} reads /proc: pid-reuse-safe identity, group members, processes
 *       by environment variable, zombies.</li>
 * </ul>
 *
 * <p>No java.lang.Process next to this package: the reaper's waitpid(-1) would take its children.
 */
package dev.baton.process.os;
