package dev.baton.process.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Encoding;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The glibc functions the OS layer needs, bound directly with jnr-ffi: jnr-posix can neither close the JVM's
 * inherited descriptors in the child nor give it a clean signal mask (shared/reference/java-platform.md).
 *
 * <p>Constants are Linux values, identical on x86_64 and arm64. The posix_spawn* functions return an error number
 * instead of setting errno; the functions marked {@link SaveError} report failures through {@link #errno()}.
 * Loaded once, with every symbol bound at load time so a too-old glibc (no addclosefrom_np, 2.34+) fails at startup.
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;
    static final int SIG_SETMASK = 2;
    static final int P_ALL = 0;
    static final int WNOHANG = 1;
    static final int WEXITED = 4;
    static final int WNOWAIT = 0x01000000;
    /** siginfo_t is 128 bytes on Linux; si_pid follows three ints and, on 64-bit, the union's alignment. */
    static final int SIGINFO_SIZE = 128;

    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;

    static final int PR_SET_CHILD_SUBREAPER = 36;

    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int ECHILD = 10;
    static final int EINVAL = 22;

    /** glibc's posix_spawn_file_actions_t and posix_spawnattr_t are opaque: allocate generously (80 and 336 bytes today). */
    static final int OPAQUE_STRUCT_SIZE = 512;
    /** glibc's sigset_t: 1024 bits. */
    static final int SIGSET_SIZE = 128;
    /**
     * glibc's struct sigaction on x86_64 and arm64: the handler (8 bytes) first, then the sigset_t, the flags and
     * the restorer (152 bytes); allocated generously. Only the handler is read or written here.
     */
    static final int SIGACTION_SIZE = 256;
    static final long SIG_DFL = 0;
    static final long SIG_IGN = 1;

    static final Functions INSTANCE = LibraryLoader.create(Functions.class)
            .option(LibraryOption.IgnoreError, true)
            .option(LibraryOption.LoadNow, true)
            .load(Platform.getNativePlatform().getStandardCLibraryName());

    private LibC() {
    }

    static Runtime runtime() {
        return Runtime.getRuntime(INSTANCE);
    }

    /** errno saved by the last {@link SaveError} call on this thread. */
    static int errno() {
        return jnr.ffi.LastError.getLastError(runtime());
    }

    /**
     * The functions. Public only because jnr-ffi implements it with a class in another class loader; the
     * enclosing class keeps it out of the package's API.
     */
    public interface Functions {
        int posix_spawn(@Out int[] pid, @Encoding("UTF-8") String path, Pointer fileActions, Pointer attributes,
                        Pointer argv, Pointer envp);

        int posix_spawn_file_actions_init(Pointer fileActions);

        int posix_spawn_file_actions_destroy(Pointer fileActions);

        int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

        int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

        int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, @Encoding("UTF-8") String path, int flags,
                                             int mode);

        int posix_spawn_file_actions_addchdir_np(Pointer fileActions, @Encoding("UTF-8") String path);

        int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int lowFd);

        int posix_spawnattr_init(Pointer attributes);

        int posix_spawnattr_destroy(Pointer attributes);

        int posix_spawnattr_setflags(Pointer attributes, short flags);

        /** Bound for completeness; unused: POSIX_SPAWN_SETSID already makes pgid == pid (setpgid would then fail). */
        int posix_spawnattr_setpgroup(Pointer attributes, int pgroup);

        int posix_spawnattr_setsigmask(Pointer attributes, Pointer sigset);

        int posix_spawnattr_setsigdefault(Pointer attributes, Pointer sigset);

        int sigemptyset(Pointer sigset);

        int sigfillset(Pointer sigset);

        /** act or oldAct may be null; see {@link #SIGACTION_SIZE}. */
        @SaveError
        int sigaction(int signal, Pointer act, Pointer oldAct);

        @SaveError
        int pipe2(@Out int[] fds, int flags);

        /** Variadic in C; the three-int form is what glibc expects for the integer commands used here. */
        @SaveError
        int fcntl(int fd, int cmd, int arg);

        @SaveError
        int close(int fd);

        @SaveError
        int kill(int pid, int signal);

        @SaveError
        int waitpid(int pid, @Out int[] status, int options);

        /** Waits for a child state change; with WNOWAIT the child is left waitable (not reaped). */
        @SaveError
        int waitid(int idType, int id, Pointer info, int options);

        /** Returns only on failure. */
        @SaveError
        int execve(@Encoding("UTF-8") String path, Pointer argv, Pointer envp);

        /** Returns an error number (0: done), like the posix_spawn functions. */
        int pthread_sigmask(int how, Pointer set, Pointer oldSet);

        @SaveError
        int prctl(int option, long arg2, long arg3, long arg4, long arg5);

        int getpid();

        int geteuid();

        int getegid();

        int umask(int mask);

        /** The size of an extended attribute's value (value may be null with size 0); -1 when absent. */
        @SaveError
        long getxattr(@Encoding("UTF-8") String path, @Encoding("UTF-8") String name, Pointer value, long size);
    }
}
