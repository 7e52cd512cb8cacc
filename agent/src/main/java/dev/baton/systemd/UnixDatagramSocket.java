package dev.baton.systemd;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * A unix datagram socket bound through glibc with jnr-ffi (Java 17 has no unix datagram channel).
 * Used to send to systemd's notify socket and to journald; tests also bind one to receive.
 *
 * <p>Addresses are file system paths, or abstract names written with a leading {@code @}
 * (as in {@code $NOTIFY_SOCKET}). Not thread-safe for concurrent close; send and receive are.
 */
public final class UnixDatagramSocket implements AutoCloseable {
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    /** SO_SNDBUF past net.core.wmem_max, for a process with CAP_NET_ADMIN (a root agent). */
    static final int SO_SNDBUFFORCE = 32;
    static final int EMSGSIZE = 90;
    /** A datagram too large for one allocation in the kernel (its linear part must be contiguous). */
    static final int ENOBUFS = 105;
    static final int SO_SNDTIMEO = 21;
    /** sizeof(sockaddr_un.sun_path) on Linux. */
    static final int SUN_PATH_MAX = 108;

    /** The libc functions used, bound by jnr-ffi. */
    public interface LibC {
        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int bind(int fd, @In byte[] addr, int addrlen);

        @SaveError
        int connect(int fd, @In byte[] addr, int addrlen);

        @SaveError
        @ssize_t
        long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

        @SaveError
        @ssize_t
        long recv(int fd, @Out byte[] buf, @size_t long len, int flags);

        @SaveError
        int setsockopt(int fd, int level, int name, @In int[] value, int len);

        @SaveError
        int getsockopt(int fd, int level, int name, @Out int[] value, @In @Out int[] len);

        int close(int fd);

        String strerror(int errnum);
    }

    private static volatile LibC libc;
    private static volatile Runtime runtime;

    static LibC libc() {
        LibC l = libc;
        if (l == null) {
            synchronized (UnixDatagramSocket.class) {
                if (libc == null) {
                    LibC loaded = LibraryLoader.create(LibC.class).failImmediately().load("c");
                    runtime = Runtime.getRuntime(loaded);
                    libc = loaded;
                }
                l = libc;
            }
        }
        return l;
    }

    static int errno() {
        return LastError.getLastError(runtime);
    }

    private final int fd;
    private volatile boolean closed;

    private UnixDatagramSocket(int fd) {
        this.fd = fd;
    }

    /** An unbound socket for sending. {@code nonBlocking}: sends fail with EAGAIN instead of waiting. */
    public static UnixDatagramSocket create(boolean nonBlocking) throws IOException {
        int type = SOCK_DGRAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
        int fd = libc().socket(AF_UNIX, type, 0);
        if (fd < 0) {
            throw failure("socket(AF_UNIX, SOCK_DGRAM)", errno());
        }
        return new UnixDatagramSocket(fd);
    }

    /** A non-blocking socket bound to {@code address} (a path, or {@code @name} for an abstract socket). */
    public static UnixDatagramSocket bind(String address) throws IOException {
        UnixDatagramSocket s = create(true);
        byte[] addr = sockaddr(address);
        if (libc().bind(s.fd, addr, addr.length) != 0) {
            int e = errno();
            s.close();
            throw failure("bind(" + address + ")", e);
        }
        return s;
    }

    /**
     * Fails unless a socket is bound at {@code address} and takes datagrams: connect(2) from a
     * throwaway socket (ENOENT when there is none, ECONNREFUSED when nobody holds it any more).
     */
    public static void probe(String address) throws IOException {
        byte[] addr = sockaddr(address);
        try (UnixDatagramSocket s = create(true)) {
            if (libc().connect(s.fd, addr, addr.length) != 0) {
                throw failure("connect(" + address + ")", errno());
            }
        }
    }

    /**
     * Asks the kernel for a send buffer of at least {@code bytes} (best effort): past
     * net.core.wmem_max (~208 KiB) when the agent may (root), else up to it. A datagram is bounded by it.
     */
    public void setSendBuffer(int bytes) {
        if (libc().setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, new int[] {bytes}, 4) != 0) {
            libc().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, new int[] {bytes}, 4);
        }
    }

    /** The largest datagram this socket sends (Linux: its send buffer less 32 bytes); 0 when unknown. */
    public int maxDatagram() {
        int[] value = new int[1];
        if (libc().getsockopt(fd, SOL_SOCKET, SO_SNDBUF, value, new int[] {4}) != 0) {
            return 0;
        }
        return Math.max(0, value[0] - 32);
    }

    /**
     * Bounds how long {@link #sendWaiting} waits for room (SO_SNDTIMEO; the socket must have been
     * made blocking). Best effort.
     */
    public void setSendTimeout(long millis) {
        long sec = millis / 1000;
        long usec = (millis % 1000) * 1000;
        // struct timeval { long tv_sec; long tv_usec; } on 64-bit Linux, little-endian
        int[] timeval = {(int) sec, (int) (sec >>> 32), (int) usec, (int) (usec >>> 32)};
        libc().setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, timeval, 16);
    }

    /**
     * Sends one datagram, waiting while the receiver's queue is full, at most the send timeout
     * ({@link #setSendTimeout}) of a blocking socket.
     *
     * @return 0 when sent, else the errno (EAGAIN when the timeout passed with the queue still full)
     */
    public int sendWaiting(byte[] sockaddr, byte[] buf, int len) {
        if (closed) {
            return 9; // EBADF
        }
        while (true) {
            long n = libc().sendto(fd, buf, len, MSG_NOSIGNAL, sockaddr, sockaddr.length);
            if (n >= 0) {
                return 0;
            }
            int e = errno();
            if (e != EINTR) {
                return e == 115 /* EINPROGRESS: SO_SNDTIMEO's own word */ ? EAGAIN : e;
            }
        }
    }

    /**
     * Sends one datagram to {@code address} without blocking.
     *
     * @return 0 when sent, else the errno (EAGAIN when the receiver's queue is full)
     */
    public int sendTo(String address, byte[] buf, int len) {
        return sendTo(sockaddr(address), buf, len);
    }

    /** As {@link #sendTo(String, byte[], int)} with an address already built by {@link #sockaddr(String)}. */
    public int sendTo(byte[] sockaddr, byte[] buf, int len) {
        if (closed) {
            return 9; // EBADF
        }
        while (true) {
            long n = libc().sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, sockaddr, sockaddr.length);
            if (n >= 0) {
                return 0;
            }
            int e = errno();
            if (e != EINTR) {
                return e;
            }
        }
    }

    /** Receives one datagram without blocking; null when none is queued. */
    public byte[] receive(int maxBytes) throws IOException {
        byte[] buf = new byte[maxBytes];
        long n = libc().recv(fd, buf, maxBytes, MSG_DONTWAIT);
        if (n < 0) {
            int e = errno();
            if (e == EAGAIN || e == EINTR) {
                return null;
            }
            throw failure("recv", e);
        }
        return Arrays.copyOf(buf, (int) n);
    }

    /** Waits up to {@code timeoutMillis} for one datagram; null on timeout. */
    public byte[] receive(int maxBytes, long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            byte[] b = receive(maxBytes);
            if (b != null || System.nanoTime() - deadline > 0) {
                return b;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            libc().close(fd);
        }
    }

    /**
     * A {@code struct sockaddr_un} for a path or an abstract name ({@code @name}: leading NUL, no
     * trailing NUL, as systemd does), sized exactly as the address length to pass.
     */
    public static byte[] sockaddr(String address) {
        boolean abstractName = address.startsWith("@");
        byte[] path = (abstractName ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        int pathLen = abstractName ? 1 + path.length : path.length + 1;
        if (path.length == 0 || pathLen > SUN_PATH_MAX) {
            throw new IllegalArgumentException("unix socket address must be 1.." + (SUN_PATH_MAX - 1)
                    + " bytes: '" + address + "'");
        }
        byte[] addr = new byte[2 + pathLen];
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            addr[0] = AF_UNIX;
        } else {
            addr[1] = AF_UNIX;
        }
        System.arraycopy(path, 0, addr, abstractName ? 3 : 2, path.length);
        return addr;
    }

    static IOException failure(String what, int errno) {
        return new IOException(what + " failed: " + libc().strerror(errno) + " (errno " + errno + ")");
    }
}
