package dev.baton.api;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** The loopback address of the other family that `localhost` also names: ::1 for 127.0.0.1, and back. */
final class LoopbackTwin {
    private LoopbackTwin() {
    }

    /** The twin of {@code a}, or null when {@code a} is not 127.0.0.1 or ::1 (another address: no twin). */
    static InetAddress of(InetAddress a) {
        try {
            if (a instanceof Inet4Address && a.equals(InetAddress.getByName("127.0.0.1"))) {
                return InetAddress.getByName("::1");
            }
            if (a instanceof Inet6Address && a.isLoopbackAddress()) {
                return InetAddress.getByName("127.0.0.1");
            }
        } catch (UnknownHostException e) {
            // literals: never thrown
        }
        return null;
    }

    /** e.g. {@code [::1]:9176}, {@code 127.0.0.1:9176}. */
    static String literal(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + (a.getAddress().isLoopbackAddress() ? "::1" : host) + "]" : host)
                + ":" + a.getPort();
    }
}
