package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A loopback TCP relay in front of one port, to cut one host off from etcd while the others still
 * reach it. {@link #blackhole()} is the nasty kind of partition: connections stay open and new ones
 * are accepted, but no byte gets through either way, so calls hang instead of failing.
 */
final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean cutUp;
    private volatile boolean cutDown;
    private volatile byte[] blackholeAfter;
    private final CountDownLatch tripped = new CountDownLatch(1);

    TcpRelay(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        daemon("relay-accept", this::acceptLoop);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** From now on every byte is dropped, both ways, on old and new connections alike. */
    void blackhole() {
        cutUp = true;
        cutDown = true;
    }

    /** An asymmetric cut: requests still reach etcd (renewals land), no answer comes back. */
    void dropReplies() {
        cutDown = true;
    }

    /** The other way: requests are lost (renewals never land); answers would come back. */
    void dropRequests() {
        cutUp = true;
    }

    /**
     * A request that lands, then the cut: the first request carrying {@code text} (e.g. a value being written) is
     * delivered to etcd, and from then on every byte is dropped both ways, so its answer never comes back.
     */
    void blackholeAfterRequestContaining(String text) {
        blackholeAfter = text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@link #blackholeAfterRequestContaining} has cut the link. */
    boolean tripped() {
        return tripped.getCount() == 0;
    }

    /** Bytes flow again; the connections that lost bytes are closed (the client reconnects). */
    void heal() {
        closeConnections();
        cutUp = false;
        cutDown = false;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        closeConnections();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                continue; // closed: the loop ends
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                daemon("relay-up", () -> pump(client, upstream, true));
                daemon("relay-down", () -> pump(upstream, client, false));
            } catch (IOException e) {
                closeQuietly(client); // etcd down: the client sees its connection fail, not hang
            }
        }
    }

    private void pump(Socket from, Socket to, boolean up) {
        byte[] buf = new byte[16 * 1024];
        byte[] seen = new byte[0]; // the tail of the previous read too: a pattern may straddle two reads
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                boolean trip = false;
                byte[] pattern = blackholeAfter;
                if (up && pattern != null) {
                    byte[] window = new byte[seen.length + n];
                    System.arraycopy(seen, 0, window, 0, seen.length);
                    System.arraycopy(buf, 0, window, seen.length, n);
                    trip = indexOf(window, pattern) >= 0;
                    seen = Arrays.copyOfRange(window, Math.max(0, window.length - pattern.length), window.length);
                }
                if (trip) {
                    cutDown = true; // before the request goes up: its answer must not come back
                    blackholeAfter = null;
                }
                if (!(up ? cutUp : cutDown)) {
                    out.write(buf, 0, n);
                }
                if (trip) {
                    out.flush();
                    cutUp = true;
                    tripped.countDown();
                }
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void closeConnections() {
        synchronized (sockets) {
            sockets.forEach(TcpRelay::closeQuietly);
            sockets.clear();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }
}
