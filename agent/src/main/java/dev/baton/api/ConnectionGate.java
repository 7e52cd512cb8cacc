package dev.baton.api;

import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * Who gets a connection: at most {@code perPeer} open connections per peer (a local user, told by
 * uid; a remote host, told by address) and {@code total} in all. A newcomer over its peer's share
 * is closed at once; when the total is reached, the peer holding the most connections loses its
 * oldest one to a newcomer from a peer holding fewer, so every peer keeps a fair share however
 * many connections another opens. The server never stops accepting: a full accept queue would lock
 * everyone out, which is what a connection count alone (XNIO's high-water mark) did.
 */
final class ConnectionGate implements ChannelListener<StreamConnection> {
    private final ChannelListener<? super StreamConnection> next;
    private final int total;
    private final int perPeer;
    private final Function<StreamConnection, String> peerOf;
    /**
     * Open connections by peer, oldest first. Weak: Undertow owns a connection's close listener, so
     * a closed one is only noticed at the next accept; until then it must not keep its buffers alive.
     */
    private final Map<String, ArrayDeque<WeakReference<StreamConnection>>> byPeer = new HashMap<>();
    private long refused;
    private long evicted;

    ConnectionGate(ChannelListener<? super StreamConnection> next, int total, int perPeer,
                   Function<StreamConnection, String> peerOf) {
        this.next = next;
        this.total = total;
        this.perPeer = perPeer;
        this.peerOf = peerOf;
    }

    /** A TCP peer: {@code uid N} on loopback (any 127.x address is the same user), else the remote address. */
    static String tcpPeer(StreamConnection c) {
        InetSocketAddress peer = c.getPeerAddress(InetSocketAddress.class);
        InetSocketAddress local = c.getLocalAddress(InetSocketAddress.class);
        if (peer == null || local == null) {
            return "unknown";
        }
        if (peer.getAddress().isLoopbackAddress()) {
            var uid = LoopbackPeers.ownerOf(peer, local);
            return uid.isPresent() ? "uid " + uid.getAsInt() : "loopback, owner unknown";
        }
        return "host " + peer.getAddress().getHostAddress();
    }

    @Override
    public void handleEvent(StreamConnection connection) {
        String peer = peerOf.apply(connection);
        WeakReference<StreamConnection> evict = null;
        boolean admit = true;
        synchronized (this) {
            int open = prune();
            ArrayDeque<WeakReference<StreamConnection>> mine = byPeer.computeIfAbsent(peer, k -> new ArrayDeque<>());
            if (mine.size() >= perPeer) {
                admit = false;
            } else if (open >= total) {
                ArrayDeque<WeakReference<StreamConnection>> busiest = busiest();
                if (busiest != null && busiest.size() > mine.size() + 1) {
                    evict = busiest.pollFirst();
                    evicted++;
                } else {
                    admit = false;
                }
            }
            if (admit) {
                mine.addLast(new WeakReference<>(connection));
            } else {
                refused++;
                if (mine.isEmpty()) {
                    byPeer.remove(peer);
                }
            }
        }
        if (evict != null) {
            IoUtils.safeClose(evict.get());
        }
        if (admit) {
            next.handleEvent(connection);
        } else {
            IoUtils.safeClose(connection);
        }
    }

    synchronized int open() {
        return prune();
    }

    /** Connections closed at once because their peer had its share, and ones closed to make room. */
    synchronized long refused() {
        return refused;
    }

    synchronized long evicted() {
        return evicted;
    }

    /** Forgets closed connections; returns how many are open. */
    private int prune() {
        int open = 0;
        for (Iterator<ArrayDeque<WeakReference<StreamConnection>>> it = byPeer.values().iterator(); it.hasNext(); ) {
            ArrayDeque<WeakReference<StreamConnection>> q = it.next();
            q.removeIf(ref -> {
                StreamConnection c = ref.get();
                return c == null || !c.isOpen();
            });
            if (q.isEmpty()) {
                it.remove();
            }
            open += q.size();
        }
        return open;
    }

    private ArrayDeque<WeakReference<StreamConnection>> busiest() {
        ArrayDeque<WeakReference<StreamConnection>> max = null;
        for (ArrayDeque<WeakReference<StreamConnection>> q : byPeer.values()) {
            if (max == null || q.size() > max.size()) {
                max = q;
            }
        }
        return max;
    }
}
