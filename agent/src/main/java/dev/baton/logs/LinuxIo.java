package dev.baton.logs;

import java.nio.ByteBuffer;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few glibc calls the log reader needs, bound with jnr-ffi: epoll, eventfd, non-blocking
 * reads and writes, and pipe2 (used by tests and by anyone who wants a pipe without jnr-posix).
 */
final class LinuxIo {
    static final int EINTR = 4, EAGAIN = 11;
    static final int O_WRONLY = 1;
    /** send's flag: this call does not wait (the socket's own flags unchanged). */
    static final int MSG_DONTWAIT = 0x40;
    static final int O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = O_NONBLOCK, EFD_CLOEXEC = O_CLOEXEC;
    static final int EPOLL_CLOEXEC = O_CLOEXEC;
    static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    /** Hang-up and errors are reported without asking; a read then returns 0 or fails. */
    static final int EPOLLIN = 0x1;
    static final short POLLOUT = 0x4;
    private static final int F_GETFL = 3, F_SETFL = 4;
    static final int F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;

    /** The glibc functions, as jnr-ffi sees them. */
    public interface LibC {
        int epoll_create1(int flags);

        int epoll_ctl(int epfd, int op, int fd, Pointer event);

        int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

        int eventfd(int initval, int flags);

        /** One struct pollfd {int fd; short events; short revents} at {@code fds}. */
        int poll(Pointer fds, long nfds, int timeout);

        @ssize_t long read(int fd, Pointer buf, @size_t long count);

        /** Reads straight into the array (pinned, not copied: the fd must be non-blocking). */
        @ssize_t long read(int fd, @Pinned @Out byte[] buf, @size_t long count);

        @ssize_t long write(int fd, Pointer buf, @size_t long count);

        /** Writes the buffer's remaining bytes straight from its array (pinned, not copied: the fd must not block). */
        @ssize_t long write(int fd, @Pinned @In ByteBuffer buf, @size_t long count);

        @ssize_t long send(int fd, @Pinned @In ByteBuffer buf, @size_t long count, int flags);

        int open(String path, int flags);

        int close(int fd);

        int pipe2(@Out int[] fds, int flags);

        /** Used by tests: a connected pair of sockets, as journald's stdout stream is a socket. */
        int socketpair(int domain, int type, int protocol, @Out int[] fds);

        // fcntl is variadic; an int third argument travels like a fixed one on Linux x86_64 and aarch64
        int fcntl(int fd, int cmd, int arg);
    }

    static final LibC C = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(C);

    private LinuxIo() {
    }

    static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    /** A new pipe {read, write}, both close-on-exec, plus {@code extraFlags} (e.g. O_NONBLOCK). */
    static int[] pipe(int extraFlags) {
        int[] fds = new int[2];
        if (C.pipe2(fds, O_CLOEXEC | extraFlags) != 0) {
            throw new IllegalStateException("pipe2 failed: errno " + errno());
        }
        return fds;
    }

    /** Makes {@code fd} non-blocking (a blocking fd would stall the one reader thread). */
    static void setNonBlocking(int fd) {
        int flags = C.fcntl(fd, F_GETFL, 0);
        if (flags < 0 || ((flags & O_NONBLOCK) == 0 && C.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)) {
            throw new IllegalArgumentException("fd " + fd + " is not usable: errno " + errno());
        }
    }

    /** Asks for a pipe buffer of {@code bytes}; returns the size granted, or -1 (see {@link #errno()}). */
    static int setPipeSize(int fd, int bytes) {
        return C.fcntl(fd, F_SETPIPE_SZ, bytes);
    }

    /** The pipe's buffer size, or -1 when {@code fd} is not a pipe. */
    static int pipeSize(int fd) {
        return C.fcntl(fd, F_GETPIPE_SZ, 0);
    }

    static void close(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }
}
