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
 */
final class InPlaceExec {
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
        Pointer argvPointer = NativeStringArray.of(argv);
        Pointer envPointer = NativeStringArray.of(envp);
        LibC.INSTANCE.execve(path, argvPointer, envPointer);
        int errno = LibC.errno();
        LibC.INSTANCE.pthread_sigmask(LibC.SIG_SETMASK, old, null);
        restore(cleared);
        return "execve " + path + " failed: " + ErrorNumbers.describe(errno);
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
