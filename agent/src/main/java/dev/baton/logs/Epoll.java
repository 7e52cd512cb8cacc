package dev.baton.logs;

import static dev.baton.logs.LinuxIo.C;

import java.util.Locale;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * An epoll instance plus an eventfd to wake its waiter. Only the reader thread calls
 * {@link #await} and {@link #fd}; {@link #wakeUp} may be called from any thread.
 * The registered data of each fd is the fd itself.
 */
final class Epoll implements AutoCloseable {
    // struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes)
    private static final boolean PACKED = isX86_64(System.getProperty("os.arch", ""));
    static final int EVENT_SIZE = PACKED ? 12 : 16;
    static final int DATA_OFFSET = PACKED ? 4 : 8;
    private static final int MAX_EVENTS = 64;

    private final int epfd;
    private final int wakeFd;
    private final Pointer events;
    private final Pointer ctlEvent;
    private final Pointer wakeWord;

    Epoll() {
        epfd = C.epoll_create1(LinuxIo.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1 failed: errno " + LinuxIo.errno());
        }
        wakeFd = C.eventfd(0, LinuxIo.EFD_NONBLOCK | LinuxIo.EFD_CLOEXEC);
        if (wakeFd < 0) {
            C.close(epfd);
            throw new IllegalStateException("eventfd failed: errno " + LinuxIo.errno());
        }
        events = Memory.allocateDirect(LinuxIo.RUNTIME, EVENT_SIZE * MAX_EVENTS, true);
        ctlEvent = Memory.allocateDirect(LinuxIo.RUNTIME, EVENT_SIZE, true);
        wakeWord = Memory.allocateDirect(LinuxIo.RUNTIME, 8, true);
        add(wakeFd);
    }

    static boolean isX86_64(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return a.equals("amd64") || a.equals("x86_64");
    }

    /** Registers {@code fd} for input (level-triggered); hang-up and errors are always reported. */
    synchronized void add(int fd) {
        ctlEvent.putInt(0, LinuxIo.EPOLLIN);
        ctlEvent.putLong(DATA_OFFSET, fd);
        if (C.epoll_ctl(epfd, LinuxIo.EPOLL_CTL_ADD, fd, ctlEvent) != 0) {
            throw new IllegalArgumentException("epoll_ctl(ADD, " + fd + ") failed: errno " + LinuxIo.errno());
        }
    }

    synchronized void remove(int fd) {
        C.epoll_ctl(epfd, LinuxIo.EPOLL_CTL_DEL, fd, ctlEvent);
    }

    /** Waits for ready fds; returns how many (0 on a signal interruption). */
    int await(int timeoutMillis) {
        int n = C.epoll_wait(epfd, events, MAX_EVENTS, timeoutMillis);
        if (n < 0) {
            int errno = LinuxIo.errno();
            if (errno != LinuxIo.EINTR) {
                throw new IllegalStateException("epoll_wait failed: errno " + errno);
            }
            return 0;
        }
        return n;
    }

    int fd(int i) {
        return (int) events.getLong((long) i * EVENT_SIZE + DATA_OFFSET);
    }

    boolean isWakeUp(int fd) {
        return fd == wakeFd;
    }

    /** Makes a current or the next {@link #await} return. */
    void wakeUp() {
        synchronized (wakeWord) {
            wakeWord.putLong(0, 1);
            C.write(wakeFd, wakeWord, 8);
        }
    }

    /** Resets the wake-up counter; called by the waiter when the eventfd was reported ready. */
    void clearWakeUp() {
        synchronized (wakeWord) {
            C.read(wakeFd, wakeWord, 8);
        }
    }

    @Override
    public void close() {
        C.close(wakeFd);
        C.close(epfd);
    }
}
