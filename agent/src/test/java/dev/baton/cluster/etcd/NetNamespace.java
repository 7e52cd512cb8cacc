package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of its own for etcd, joined to this (root) namespace by one veth pair per
 * host: host i reaches etcd at {@code 10.R.i.1} over its own kernel link, so one host's link can be
 * taken down (a real cut: packets vanish, calls hang) while the others still reach etcd. Everything
 * stays on this machine; {@link #close} deletes the namespace and with it every pair. Needs root and
 * iproute2.
 *
 * <p>One-way cuts without tc (this kernel has neither netem nor filter actions), checked with a TCP
 * echo over one established connection (TCP_NODELAY, as gRPC) and with new connections:
 * {@link #dropAnswers} is a blackhole route to the host inside the namespace (etcd's segments to it
 * vanish; the host's still arrive), {@link #dropRequests} a permanent neighbour entry for etcd's
 * address with a MAC nobody has, in this namespace (the host's frames reach the veth and are dropped
 * as addressed to another host; etcd's still arrive). A blackhole route in this namespace would not
 * do for requests: the sender gets EINVAL at once instead of a silent loss. What TCP makes of a
 * one-way loss: a new connection never completes (its SYN or SYN-ACK is lost), and on an open one,
 * with answers lost, the requests sent before the first retransmission timeout (a few hundred ms)
 * land, then the sender's window closes on unacknowledged data and nothing new is sent.
 */
final class NetNamespace implements AutoCloseable {
    private final String name;
    private final int subnet;
    private final List<String> inside = new ArrayList<>();
    private final List<String> outside = new ArrayList<>();
    private final Set<Integer> answersDropped = new HashSet<>();
    private final Set<Integer> requestsDropped = new HashSet<>();

    private NetNamespace(String name, int subnet) {
        this.name = name;
        this.subnet = subnet;
    }

    /** True when this process may create namespaces (root with iproute2). */
    static boolean available() {
        String probe = "btp" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
        boolean ok = run(false, "ip", "netns", "add", probe);
        if (ok) {
            run(false, "ip", "netns", "del", probe);
        }
        return ok;
    }

    /** A namespace with one link per host, {@code links} of them. */
    static NetNamespace create(int links) {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
        NetNamespace ns = new NetNamespace("bt" + suffix, 200 + ThreadLocalRandom.current().nextInt(50));
        run(true, "ip", "netns", "add", ns.name);
        try {
            ns.exec("ip", "link", "set", "lo", "up");
            for (int i = 0; i < links; i++) {
                String out = "bt" + suffix + "o" + i;
                String in = "bt" + suffix + "i" + i;
                run(true, "ip", "link", "add", out, "type", "veth", "peer", "name", in);
                run(true, "ip", "link", "set", in, "netns", ns.name);
                run(true, "ip", "addr", "add", ns.subnet(i) + ".2/24", "dev", out);
                run(true, "ip", "link", "set", out, "up");
                ns.exec("ip", "addr", "add", ns.address(i) + "/24", "dev", in);
                ns.exec("ip", "link", "set", in, "up");
                ns.inside.add(in);
                ns.outside.add(out);
            }
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    String name() {
        return name;
    }

    /** etcd's address on link {@code i}. */
    String address(int i) {
        return subnet(i) + ".1";
    }

    /** Host i's address on link {@code i} (this namespace's end). */
    private String hostAddress(int i) {
        return subnet(i) + ".2";
    }

    private String subnet(int i) {
        return "10." + subnet + "." + i;
    }

    /** Link {@code i} goes down inside the namespace: whatever host i sends to etcd is lost, and the answers too. */
    void cut(int i) {
        exec("ip", "link", "set", inside.get(i), "down");
    }

    /** Asymmetric: what host i sends still reaches etcd, etcd's answers to it vanish. {@link #heal} undoes it. */
    synchronized void dropAnswers(int i) {
        exec("ip", "route", "add", "blackhole", hostAddress(i) + "/32");
        answersDropped.add(i);
    }

    /** Asymmetric, the other way: what host i sends to etcd vanishes, etcd's packets to it would arrive. */
    synchronized void dropRequests(int i) {
        run(true, "ip", "neigh", "replace", address(i), "lladdr", "02:00:00:00:00:01", "dev", outside.get(i),
                "nud", "permanent");
        requestsDropped.add(i);
    }

    /** Undoes {@link #cut}, {@link #dropAnswers} and {@link #dropRequests} of link {@code i}. */
    synchronized void heal(int i) {
        exec("ip", "link", "set", inside.get(i), "up");
        if (answersDropped.remove(i)) {
            exec("ip", "route", "del", "blackhole", hostAddress(i) + "/32");
        }
        if (requestsDropped.remove(i)) {
            run(true, "ip", "neigh", "del", address(i), "dev", outside.get(i)); // learnt again by ARP
        }
    }

    private void exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        run(true, full.toArray(String[]::new));
    }

    @Override
    public void close() {
        run(false, "ip", "netns", "del", name); // the pairs go with their inner ends
    }

    private static boolean run(boolean mustSucceed, String... command) {
        return HostCommand.run(mustSucceed, command).ok();
    }
}
