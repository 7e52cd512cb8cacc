package dev.baton.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Who is at the other end of a TCP connection on this host: the kernel lists every socket with its
 * owner's uid in {@code /proc/net/tcp} and {@code tcp6}. Every local user reaches the API from a
 * loopback address (and may pick any of 127.0.0.0/8), so an address says nothing about who is
 * connecting; the uid does. Used to give every local user their own share of the connections.
 * The kernel is asked for the one socket by netlink ({@link SockDiag}) where it answers.
 */
final class LoopbackPeers {
    private static final Path TCP4 = Path.of("/proc/net/tcp");
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    /** Reading the tables walks every socket of the host (~7 ms with a few hundred): asked by address when possible. */
    private static final boolean SOCK_DIAG = SockDiag.available();

    private LoopbackPeers() {
    }

    /**
     * The uid owning the socket bound to {@code local} and connected to {@code remote}, as the
     * kernel lists it; empty when not found (it closed meanwhile, or another network namespace).
     */
    static OptionalInt ownerOf(InetSocketAddress local, InetSocketAddress remote) {
        if (SOCK_DIAG) {
            // The peer's socket is IPv4 or IPv6 (Java's default; IPv4 addresses mapped): ask for both.
            OptionalInt uid = SockDiag.ownerOf(local, remote, false);
            return uid.isPresent() ? uid : SockDiag.ownerOf(local, remote, true);
        }
        // An IPv4 client's socket is in tcp; one made as IPv6 (Java's default) is in tcp6, its IPv4
        // addresses mapped (::ffff:127.0.0.1).
        if (local.getAddress() instanceof Inet4Address && remote.getAddress() instanceof Inet4Address) {
            OptionalInt uid = scan(TCP4, kernelForm(local), kernelForm(remote));
            return uid.isPresent() ? uid : scan(TCP6, kernelForm(mapped(local)), kernelForm(mapped(remote)));
        }
        return scan(TCP6, kernelForm(local), kernelForm(remote));
    }

    private static InetSocketAddress mapped(InetSocketAddress a) {
        byte[] v4 = a.getAddress().getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        try {
            // getByAddress would turn a mapped address back into an Inet4Address
            return new InetSocketAddress(Inet6Address.getByAddress(null, v6, null), a.getPort());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OptionalInt scan(Path table, String local, String remote) {
        try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
            r.readLine(); // header
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.contains(local)) {
                    continue; // most lines: no split needed
                }
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
                String[] f = line.trim().split("\\s+", 9);
                if (f.length < 8) {
                    continue;
                }
                if (f[1].equals(local) && f[2].equals(remote)) {
                    return OptionalInt.of(Integer.parseInt(f[7]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such table (no IPv6), or a line of another format: not found
        }
        return OptionalInt.empty();
    }

    /** {@code 0100007F:23D8}: the address as the kernel prints it (32-bit words in host order), port in hex. */
    static String kernelForm(InetSocketAddress a) {
        byte[] b = a.getAddress().getAddress();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int w = 0; w < b.length; w += 4) {
                byte t0 = b[w];
                byte t1 = b[w + 1];
                b[w] = b[w + 3];
                b[w + 1] = b[w + 2];
                b[w + 2] = t1;
                b[w + 3] = t0;
            }
        }
        return HexFormat.of().formatHex(b).toUpperCase(Locale.ROOT) + ":" + String.format("%04X", a.getPort());
    }
}
