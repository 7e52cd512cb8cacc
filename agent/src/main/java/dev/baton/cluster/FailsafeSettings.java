package dev.baton.cluster;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code [cluster] failsafe = true}: the holder keeps its program running through an etcd outage while
 * every other member of the lock confirms over the peer channel that it cannot reach etcd either and
 * promises not to campaign (docs/cluster.md, "Failsafe through an etcd outage").
 *
 * @param peerAddress "host:port" of this agent's peer channel as published in its inventory: the other members
 *                    call it, so it must be an address they can reach (not 0.0.0.0)
 * @param peerListen  "host:port" the peer channel listens on (e.g. 0.0.0.0:7450); null: {@code peerAddress}
 * @param tls         mutual TLS of the peer channel: the CA that signs every member's certificate, and this
 *                    host's certificate (naming the host in its CN or a DNS SAN, usable for client and
 *                    server auth) and key
 */
public record FailsafeSettings(String peerAddress, String peerListen, TlsFiles tls) {

    /** Where the peer channel listens. */
    public URI listen() {
        return parse(peerListen != null ? peerListen : peerAddress);
    }

    /** The peer address as host and port; null when it is not one. */
    public static URI parse(String address) {
        if (address == null) {
            return null;
        }
        try {
            URI uri = new URI("https://" + address);
            return uri.getHost() == null || uri.getPort() <= 0 || !uri.getPath().isEmpty() ? null : uri;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    static List<String> validate(FailsafeSettings f) {
        List<String> problems = new ArrayList<>();
        URI address = parse(f.peerAddress());
        if (f.peerAddress() == null) {
            problems.add("peer_address: failsafe needs the address of this host's peer channel, which the other"
                    + " members call, e.g. peer_address = \"10.0.0.5:7450\"");
        } else if (address == null || "0.0.0.0".equals(address.getHost())) {
            problems.add("peer_address: \"" + f.peerAddress() + "\" is not an address the other members can call,"
                    + " such as \"10.0.0.5:7450\"");
        }
        if (f.peerListen() != null && parse(f.peerListen()) == null) {
            problems.add("peer_listen: \"" + f.peerListen() + "\" is not a listening address such as \"0.0.0.0:7450\"");
        }
        TlsFiles tls = f.tls();
        if (tls == null || tls.ca() == null || tls.cert() == null || tls.key() == null) {
            problems.add("failsafe: the peer channel needs mutual TLS: set peer_tls_ca, peer_tls_cert and peer_tls_key"
                    + " (or tls_ca, tls_cert and tls_key, when that certificate names this host and allows client"
                    + " and server auth)");
            return problems;
        }
        for (Path file : List.of(tls.ca(), tls.cert(), tls.key())) {
            if (!Files.isReadable(file)) {
                problems.add("peer_tls: cannot read " + file);
            }
        }
        return problems;
    }
}
