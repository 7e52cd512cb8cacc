package dev.baton.process.os;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * execve(2) of this very process (same pid), for an agent that replaces its own program without
 * stopping its children. Runs on the {@link Spawner}'s thread only (see {@link Spawner#execInPlace}).
 *
 * <p>Descriptors: exactly {@code keep} (the children's pipe read ends) and 0-2 cross the exec; every
 * other descriptor is marked close-on-exec first, because the JVM does not open all of its own with
 * O_CLOEXEC (a leaked listening socket would keep the new agent from binding its API). The signal
 * mask is emptied first: it survives execve, and the new JVM must start with nothing blocked.
 *
 * <p>SIGHUP ({@code systemctl reload}) is ignored across the exec ({@link #HANGUP_ENV}): until the new
 * agent installs its handler, about a second later, the new JVM would die of it (the default action, then
 * the JVM's own exit on HUP), and every adopted program with it (their parent-death signal).
 */
final class InPlaceExec {
    /** Set for the new agent when SIGHUP was ignored only for the exec: it takes the signal back. */
    static final String HANGUP_ENV = "BATON_REEXEC_HANGUP";

    private InPlaceExec() {
    }

    /** Returns only when execve failed: why, with every change undone. */
    static String exec(String path, List<String> argv, Map<String, String> env, Set<Integer> keep) {
        List<Integer> cleared = new ArrayList<>();
        for (int fd : openFds()) {
            if (fd <= 2) {
                continue;
            }
            int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFD, 0);
            if (flags < 0) {
                continue; // the directory stream's own fd, closed since
            }
            if (keep.contains(fd)) {
                if (LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, flags & ~LibC.FD_CLOEXEC) != 0) {
                    restore(cleared);
                    return "cannot keep fd " + fd + " open across exec: " + ErrorNumbers.describe(LibC.errno());
                }
                cleared.add(fd);
            } else if ((flags & LibC.FD_CLOEXEC) == 0) {
                LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC);
            }
        }
        if (cleared.size() != keep.size()) {
            restore(cleared);
            return "not every fd to hand over is open (kept " + cleared + " of " + keep + ")";
        }
        Pointer empty = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        Pointer old = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        LibC.INSTANCE.sigemptyset(empty);
        int maskError = LibC.INSTANCE.pthread_sigmask(LibC.SIG_SETMASK, empty, old);
        if (maskError != 0) {
            restore(cleared);
            return "pthread_sigmask failed: " + ErrorNumbers.describe(maskError);
        }
        List<String> envp = new ArrayList<>();
        env.forEach((k, v) -> envp.add(k + "=" + v));
        Pointer hangup = Memory.allocateDirect(LibC.runtime(), LibC.SIGACTION_SIZE, true);
        boolean hangupIgnoredHere = ignoreHangup(hangup);
        if (hangupIgnoredHere) {
            envp.add(HANGUP_ENV + "=1");
        }
        Pointer argvPointer = NativeStringArray.of(argv);
        Pointer envPointer = NativeStringArray.of(envp);
        LibC.INSTANCE.execve(path, argvPointer, envPointer);
        int errno = LibC.errno();
        if (hangupIgnoredHere) {
            LibC.INSTANCE.sigaction(Signals.SIGHUP, hangup, null);
        }
        LibC.INSTANCE.pthread_sigmask(LibC.SIG_SETMASK, old, null);
        restore(cleared);
        return "execve " + path + " failed: " + ErrorNumbers.describe(errno);
    }

    /** Ignores SIGHUP unless it already is (nohup: then it stays so); {@code saved} gets the disposition it had. */
    private static boolean ignoreHangup(Pointer saved) {
        if (LibC.INSTANCE.sigaction(Signals.SIGHUP, null, saved) != 0 || saved.getLong(0) == LibC.SIG_IGN) {
            return false;
        }
        Pointer ignore = Memory.allocateDirect(LibC.runtime(), LibC.SIGACTION_SIZE, true); // empty mask, no flags
        ignore.putLong(0, LibC.SIG_IGN);
        return LibC.INSTANCE.sigaction(Signals.SIGHUP, ignore, null) == 0;
    }

    /**
     * In the new agent, before it installs its SIGHUP handler: when the old one ignored SIGHUP only for the
     * exec, back to the default (the JVM installs no handler for a signal it finds ignored). The signal
     * arriving between this and the handler's installation would still end the agent: microseconds, where
     * the whole start of the new JVM was before.
     */
    static void takeBackHangup(Map<String, String> env) {
        if (env.containsKey(HANGUP_ENV)) {
            Pointer dfl = Memory.allocateDirect(LibC.runtime(), LibC.SIGACTION_SIZE, true);
            dfl.putLong(0, LibC.SIG_DFL);
            LibC.INSTANCE.sigaction(Signals.SIGHUP, dfl, null);
        }
    }

    private static void restore(List<Integer> cleared) {
        for (int fd : cleared) {
            int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFD, 0);
            if (flags >= 0) {
                LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC);
            }
        }
    }

    private static List<Integer> openFds() {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : entries) {
                try {
                    fds.add(Integer.parseInt(e.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not an fd
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
        return fds;
    }
}
