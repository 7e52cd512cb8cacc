package dev.baton.logs;

import java.nio.ByteBuffer;

/**
 * Writes to the agent's stdout without ever waiting and without copying: what fits now goes
 * straight from the caller's array (pinned for the call), the rest is left to the caller. fd 1's
 * open file description keeps its flags (it may be shared with other processes, which expect it
 * blocking): for a pipe the writer opens a description of its own, non-blocking, through
 * /proc/self/fd; on a socket (journald's stream) each send says MSG_DONTWAIT. Anything else (a
 * file, a tty) gets no writer; a failing one turns itself off for good, and its caller's other path
 * meets the same failure and handles it.
 *
 * <p>Callers write under one lock (the stdout spill's), which {@link #close} takes too.
 */
final class NoWaitWriter {
    /** A non-blocking description of the pipe (ours to close), or the socket's fd (not ours). */
    private final int fd;
    private final boolean socket;
    private boolean off;
    private boolean closed;
    /** The struct pollfd of {@link #awaitRoom} (its thread's only). */
    private jnr.ffi.Pointer pollFd;

    private NoWaitWriter(int fd, boolean socket) {
        this.fd = fd;
        this.socket = socket;
    }

    /** A writer to {@code fd}, or null when it is neither a pipe we may reopen nor a socket. */
    static NoWaitWriter to(int fd) {
        if (LinuxIo.pipeSize(fd) >= 0) {
            int own = LinuxIo.C.open("/proc/self/fd/" + fd, LinuxIo.O_WRONLY | LinuxIo.O_NONBLOCK | LinuxIo.O_CLOEXEC);
            return own >= 0 ? new NoWaitWriter(own, false) : null;
        }
        NoWaitWriter w = new NoWaitWriter(fd, true);
        w.write(new byte[0], 0, 0); // fails (ENOTSOCK) when fd is not a socket: then it is off
        return w.off ? null : w;
    }

    /** False once the fd has refused a write for another reason than "full now". */
    boolean usable() {
        return !off;
    }

    /** Writes a prefix of {@code buf[from, from + len)} now; returns how many bytes (0: none). */
    int write(byte[] buf, int from, int len) {
        if (off) {
            return 0;
        }
        ByteBuffer bytes = ByteBuffer.wrap(buf, from, len);
        long n = socket ? LinuxIo.C.send(fd, bytes, len, LinuxIo.MSG_DONTWAIT) : LinuxIo.C.write(fd, bytes, len);
        if (n >= 0) {
            return (int) n;
        }
        int errno = LinuxIo.errno();
        if (errno != LinuxIo.EAGAIN && errno != LinuxIo.EINTR) {
            off = true;
        }
        return 0;
    }

    /**
     * Waits until the fd may take bytes again (or {@code timeoutMillis}, or an error). Not under
     * the callers' lock: a {@link #close} meanwhile makes the next write fail, which turns it off.
     */
    void awaitRoom(int timeoutMillis) {
        if (pollFd == null) {
            pollFd = jnr.ffi.Memory.allocateDirect(LinuxIo.RUNTIME, 8, true);
        }
        pollFd.putInt(0, fd);
        pollFd.putShort(4, LinuxIo.POLLOUT);
        pollFd.putShort(6, (short) 0);
        LinuxIo.C.poll(pollFd, 1, timeoutMillis);
    }

    /** No more writes; the pipe's own description is closed. */
    void close() {
        off = true;
        if (!socket && !closed) {
            closed = true;
            LinuxIo.close(fd);
        }
    }
}
