package dev.baton.api;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The owner of one TCP socket, asked of the kernel by its four addresses (netlink sock_diag): a
 * lookup in the kernel's hash table, microseconds, where reading {@code /proc/net/tcp} walks every
 * socket of the host (milliseconds, on the I/O thread, at every accept).
 */
final class SockDiag {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLM_F_REQUEST = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_TCP = 6;
    private static final int ALL_STATES = 0xffffffff;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_SOCKET = 1;
    /** nlmsghdr (16) + inet_diag_msg's family..retrans (4), id (48), expires, rqueue, wqueue (12). */
    private static final int UID_OFFSET = 16 + 4 + 48 + 12;

    /** The libc functions used, bound by jnr-ffi. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        @ssize_t
        long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

        @ssize_t
        long recv(int fd, @Out byte[] buf, @size_t long len, int flags);

        int setsockopt(int fd, int level, int name, @In long[] value, int len);

        int close(int fd);
    }

    private static volatile LibC libc;

    private SockDiag() {
    }

    /** Whether this kernel answers sock_diag queries (else {@code /proc/net/tcp} it is). */
    static boolean available() {
        try {
            int fd = libc().socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (fd < 0) {
                return false;
            }
            libc().close(fd);
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        }
        return libc;
    }

    /**
     * The uid owning the socket bound to {@code local} and connected to {@code remote} (both of one
     * family, as the peer's socket sees them), or empty when the kernel does not say (no such
     * socket, no sock_diag).
     */
    static OptionalInt ownerOf(InetSocketAddress local, InetSocketAddress remote, boolean v6) {
        int fd = -1;
        try {
            fd = libc().socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (fd < 0) {
                return OptionalInt.empty();
            }
            libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {1, 0}, 16); // 1 s at most
            byte[] req = request(local, remote, v6);
            byte[] kernel = new byte[12];
            kernel[0] = AF_NETLINK;
            if (libc().sendto(fd, req, req.length, 0, kernel, kernel.length) != req.length) {
                return OptionalInt.empty();
            }
            byte[] answer = new byte[1024];
            long n = libc().recv(fd, answer, answer.length, 0);
            ByteBuffer b = ByteBuffer.wrap(answer).order(ByteOrder.nativeOrder());
            if (n < UID_OFFSET + 4 || b.getShort(4) != SOCK_DIAG_BY_FAMILY) {
                return OptionalInt.empty(); // NLMSG_ERROR (no such socket) or short
            }
            return OptionalInt.of(b.getInt(UID_OFFSET));
        } catch (RuntimeException | LinkageError e) {
            return OptionalInt.empty();
        } finally {
            if (fd >= 0) {
                libc().close(fd);
            }
        }
    }

    private static byte[] request(InetSocketAddress local, InetSocketAddress remote, boolean v6) {
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + 48).order(ByteOrder.nativeOrder());
        b.putInt(b.capacity()).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST).putInt(1).putInt(0);
        b.put((byte) (v6 ? AF_INET6 : AF_INET)).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0).putInt(ALL_STATES);
        // inet_diag_sockid: ports and addresses in network order
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) local.getPort()).putShort((short) remote.getPort());
        b.put(address(local, v6)).put(address(remote, v6));
        b.order(ByteOrder.nativeOrder()).putInt(0).putInt(-1).putInt(-1); // any interface; no cookie
        return b.array();
    }

    /** 16 bytes: an IPv4 address in the first 4 (AF_INET), or the IPv6 one (IPv4 mapped for a v6 socket). */
    private static byte[] address(InetSocketAddress a, boolean v6) {
        byte[] raw = a.getAddress().getAddress();
        byte[] out = new byte[16];
        if (!v6) {
            System.arraycopy(raw, 0, out, 0, 4);
        } else if (a.getAddress() instanceof Inet4Address) {
            out[10] = (byte) 0xff;
            out[11] = (byte) 0xff;
            System.arraycopy(raw, 0, out, 12, 4);
        } else {
            System.arraycopy(raw, 0, out, 0, 16);
        }
        return out;
    }
}
