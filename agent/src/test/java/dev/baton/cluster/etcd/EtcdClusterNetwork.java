package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A real etcd cluster with every member in a network namespace of its own and two kinds of kernel
 * links per member, so that the two partitions an etcd member can suffer are made apart:
 * <ul>
 * <li>a peer link: a veth into a bridge (in a namespace of its own, away from this one's firewall)
 * that carries raft between members. Down, the member is in a minority: clients still reach it, but
 * it cannot commit and has no leader (linearizable calls hang or fail).</li>
 * <li>a client link: a veth to this (root) namespace, where the hosts run: host-side {@code 10.C.i.2},
 * member {@code 10.C.i.1}. Down, the member is hidden from the hosts while it keeps its place in raft.</li>
 * </ul>
 * Random names and client subnet; {@link #close} stops the members and deletes the namespaces (the
 * veths and the bridge go with them), also after a failed start. Needs root and iproute2.
 */
final class EtcdClusterNetwork implements AutoCloseable {
    private final String tag;
    private final int clientSubnet;
    private final int size;
    private final List<String> namespaces = new ArrayList<>();
    private List<EtcdServer> members = List.of();

    private EtcdClusterNetwork(String tag, int clientSubnet, int size) {
        this.tag = tag;
        this.clientSubnet = clientSubnet;
        this.size = size;
    }

    /** Builds the network and starts a plaintext cluster of {@code size} members on it. */
    static EtcdClusterNetwork start(int size) {
        String tag = "bq" + Integer.toHexString(0x10000 + ThreadLocalRandom.current().nextInt(0xf0000));
        EtcdClusterNetwork net = new EtcdClusterNetwork(tag, freeClientSubnet(), size);
        try {
            net.build();
            net.members = EtcdServer.startCluster(net.namespaces.subList(0, size),
                    IntStream.range(0, size).mapToObj(net::clientAddress).toList(),
                    IntStream.range(0, size).mapToObj(net::peerAddress).toList());
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** A 10.C.0.0/16 that this namespace routes nowhere yet (NetNamespace uses 200-249). */
    private static int freeClientSubnet() {
        String routes = output("ip", "-4", "route", "show");
        for (int attempt = 0; attempt < 50; attempt++) {
            int c = 150 + ThreadLocalRandom.current().nextInt(50);
            if (!routes.contains("10." + c + ".")) {
                return c;
            }
        }
        throw new IllegalStateException("no free 10.150-199.0.0/16 subnet: " + routes);
    }

    private void build() {
        String bridgeNs = tag + "sw";
        String bridge = tag + "br";
        for (int i = 0; i < size; i++) {
            namespaces.add(tag + "m" + i);
        }
        namespaces.add(bridgeNs); // last: the members' namespaces are listed first
        for (String ns : namespaces) {
            run(true, "ip", "netns", "add", ns);
            run(true, "ip", "-n", ns, "link", "set", "lo", "up");
            // A connection etcd leaves behind when it is killed (FIN_WAIT2, or its FIN unanswered over a cut link)
            // keeps its namespace, and the veth's end in this one, for a minute or more: let it go at once.
            run(false, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.tcp_fin_timeout=1", "net.ipv4.tcp_orphan_retries=1");
        }
        run(true, "ip", "-n", bridgeNs, "link", "add", bridge, "type", "bridge");
        run(true, "ip", "-n", bridgeNs, "link", "set", bridge, "up");
        for (int i = 0; i < size; i++) {
            String ns = namespaces.get(i);
            // Client link: root <-> member.
            run(true, "ip", "link", "add", clientOutside(i), "type", "veth", "peer", "name", clientInside(i), "netns", ns);
            run(true, "ip", "addr", "add", "10." + clientSubnet + "." + i + ".2/24", "dev", clientOutside(i));
            run(true, "ip", "link", "set", clientOutside(i), "up");
            run(true, "ip", "-n", ns, "addr", "add", clientAddress(i) + "/24", "dev", clientInside(i));
            run(true, "ip", "-n", ns, "link", "set", clientInside(i), "up");
            // Peer link: bridge <-> member.
            String port = tag + "p" + i + "o";
            run(true, "ip", "-n", bridgeNs, "link", "add", port, "type", "veth", "peer", "name", peerInside(i), "netns", ns);
            run(true, "ip", "-n", bridgeNs, "link", "set", port, "master", bridge);
            run(true, "ip", "-n", bridgeNs, "link", "set", port, "up");
            run(true, "ip", "-n", ns, "addr", "add", peerAddress(i) + "/24", "dev", peerInside(i));
            run(true, "ip", "-n", ns, "link", "set", peerInside(i), "up");
        }
    }

    List<EtcdServer> members() {
        return members;
    }

    /** Where the hosts reach member {@code i}. */
    String clientAddress(int i) {
        return "10." + clientSubnet + "." + i + ".1";
    }

    /** Where the other members reach member {@code i} (inside the bridge's subnet only). */
    private String peerAddress(int i) {
        return "10.99.0." + (i + 1);
    }

    /** Member {@code i} loses raft: a minority of one that clients still reach. */
    void cutPeers(int i) {
        link(i, peerInside(i), "down");
    }

    void healPeers(int i) {
        link(i, peerInside(i), "up");
    }

    /** Member {@code i} vanishes for the hosts (packets lost, calls hang) and stays in raft. */
    void cutClients(int i) {
        link(i, clientInside(i), "down");
    }

    void healClients(int i) {
        link(i, clientInside(i), "up");
    }

    /**
     * Hands raft leadership to member {@code i} (etcdctl move-leader, over the client links), so that a cut can
     * hit the leader or a follower on purpose. Waits until it leads.
     */
    void makeLeader(int i) {
        await("member " + i + " leads").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (members.get(i).isLeader()) {
                return true;
            }
            for (int j = 0; j < size; j++) {
                if (members.get(j).isLeader()) {
                    run(false, "etcdctl", "--endpoints=" + members.get(j).clientUrl(), "--command-timeout=3s",
                            "move-leader", memberId(i));
                }
            }
            return members.get(i).isLeader();
        });
    }

    /** Member {@code i}'s raft id in hex, as etcdctl move-leader takes it. */
    private String memberId(int i) {
        String status = output("etcdctl", "--endpoints=" + members.get(i).clientUrl(), "--command-timeout=3s",
                "endpoint", "status", "-w", "json");
        Matcher id = Pattern.compile("\"member_id\":(\\d+)").matcher(status);
        if (!id.find()) {
            throw new IllegalStateException("no member_id in etcdctl's answer: " + status);
        }
        return Long.toHexString(Long.parseUnsignedLong(id.group(1)));
    }

    /** Every link up again. */
    void healAll() {
        for (int i = 0; i < size; i++) {
            healPeers(i);
            healClients(i);
        }
    }

    private void link(int member, String device, String state) {
        run(true, "ip", "-n", namespaces.get(member), "link", "set", device, state);
    }

    private String clientOutside(int i) {
        return tag + "c" + i + "o";
    }

    private String clientInside(int i) {
        return tag + "c" + i + "i";
    }

    private String peerInside(int i) {
        return tag + "p" + i + "i";
    }

    @Override
    public void close() {
        // Links up first, so that etcd's last FINs are answered (see build).
        for (int i = 0; i < namespaces.size() - 1; i++) {
            run(false, "ip", "-n", namespaces.get(i), "link", "set", peerInside(i), "up");
            run(false, "ip", "-n", namespaces.get(i), "link", "set", clientInside(i), "up");
        }
        members.forEach(EtcdServer::close);
        for (String ns : namespaces) {
            run(false, "ip", "netns", "del", ns); // its veths go with it, and their other ends
        }
    }

    private static String output(String... command) {
        return HostCommand.run(true, command).output();
    }

    private static void run(boolean mustSucceed, String... command) {
        HostCommand.run(mustSucceed, command);
    }
}
