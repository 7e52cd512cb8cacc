package dev.baton.process.os;

/** Process-wide operating-system calls of the agent. */
public final class Os {
    private Os() {
    }

    /**
     * prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants re-parent to the agent instead of init, so the
     * {@link Reaper} reaps them and they can be found and stopped.
     *
     * @throws IllegalStateException when the kernel refuses
     */
    public static void becomeChildSubreaper() {
        if (LibC.INSTANCE.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
            throw new IllegalStateException("prctl(PR_SET_CHILD_SUBREAPER) failed: "
                    + ErrorNumbers.describe(LibC.errno()));
        }
    }

    /**
     * After {@code baton reexec}: SIGHUP back to its default disposition when the previous version ignored
     * it only for the exec (see {@link InPlaceExec}); call right before installing the agent's handler.
     */
    public static void takeBackHangupAfterReexec() {
        InPlaceExec.takeBackHangup(System.getenv());
    }

    /** The environment variable of {@link #takeBackHangupAfterReexec}: the agent's own, never a program's. */
    public static String hangupAfterReexecEnv() {
        return InPlaceExec.HANGUP_ENV;
    }

    public static int pid() {
        return LibC.INSTANCE.getpid();
    }

    public static boolean isRoot() {
        return LibC.INSTANCE.geteuid() == 0;
    }

    /**
     * Sends a signal to one process.
     *
     * @return false when the process does not exist (ESRCH)
     * @throws IllegalArgumentException for pid &lt;= 0, which kill(2) reads as "a whole group" or "everything"
     * @throws IllegalStateException    for any other failure (EPERM, an invalid signal)
     */
    public static boolean kill(int pid, int signal) {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        return send(pid, signal, "kill(" + pid + ", " + Signals.name(signal) + ")");
    }

    /**
     * Sends a signal to every process of a process group: kill(-pgid, signal).
     *
     * @return false when the group has no process (ESRCH)
     * @throws IllegalArgumentException for pgid &lt;= 1 (kill(-1) would signal every process we may signal)
     * @throws IllegalStateException    for any other failure (EPERM, an invalid signal)
     */
    public static boolean killGroup(int pgid, int signal) {
        if (pgid <= 1) {
            throw new IllegalArgumentException("not a process group id: " + pgid);
        }
        return send(-pgid, signal, "kill(-" + pgid + ", " + Signals.name(signal) + ")");
    }

    /**
     * Closes a descriptor, for instance a pipe end of a {@link SpawnedProcess}. Not retried on EINTR: Linux always
     * releases the descriptor.
     *
     * @return false when fd was not open (EBADF)
     */
    public static boolean close(int fd) {
        return LibC.INSTANCE.close(fd) == 0 || LibC.errno() != LibC.EBADF;
    }

    /**
     * Marks an inherited pipe read end close-on-exec again (like the pipes the spawner makes).
     *
     * @return why it cannot be used as one: not open, or not a pipe; null when done
     */
    public static String adoptPipe(int fd) {
        String target;
        try {
            target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException e) {
            return "fd " + fd + " is not open";
        }
        if (!target.startsWith("pipe:")) {
            return "fd " + fd + " is " + target + ", not a pipe";
        }
        int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFD, 0);
        if (flags < 0 || LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC) != 0) {
            return "fd " + fd + ": fcntl failed: " + ErrorNumbers.describe(LibC.errno());
        }
        return null;
    }

    private static boolean send(int target, int signal, String what) {
        if (LibC.INSTANCE.kill(target, signal) == 0) {
            return true;
        }
        int errno = LibC.errno();
        if (errno == LibC.ESRCH) {
            return false;
        }
        throw new IllegalStateException(what + " failed: " + ErrorNumbers.describe(errno));
    }
}
