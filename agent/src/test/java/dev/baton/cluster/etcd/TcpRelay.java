package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

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
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (!(up ? cutUp : cutDown)) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
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
