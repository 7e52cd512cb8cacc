package dev.baton.api;

import io.undertow.server.HttpHandler;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelPipe;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.Channels;

/**
 * The API on a Unix socket ({@code <state_dir>/api.sock}) for the CLI: who connects is told by the
 * kernel (SO_PEERCRED), not by a token, so no secret needs to be on disk for local use. Root, the
 * agent's own user and members of the {@value #GROUP} group are served; anyone else is closed at
 * once (the socket file is also {@code 0660}, group {@value #GROUP} when that group exists).
 *
 * <p>Undertow (XNIO) cannot listen on a Unix socket, so each accepted connection is joined to an
 * in-memory XNIO pipe whose other end Undertow serves like any connection, through the same routes:
 * two small threads copy the bytes. Few connections (the operator's commands) are expected; at most
 * {@link #MAX_CONNECTIONS} are served at once, {@link #MAX_CONNECTIONS_PER_USER} of one member of the
 * group, and root (or the agent's user) up to {@link #MAX_CONNECTIONS} of its own beyond the total: one
 * member (a script that leaks its connections) must not lock root out of the socket.
 */
final class UnixSocketListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketListener.class);
    static final String GROUP = "baton";
    static final String FILE_NAME = "api.sock";
    static final int MAX_CONNECTIONS = 32;
    static final int MAX_CONNECTIONS_PER_USER = 8;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final long THREAD_STACK_BYTES = 256 * 1024;
    /** Set on every exchange that came through this socket: who the kernel says is calling. */
    static final AttachmentKey<UnixPeer> PEER = AttachmentKey.create(UnixPeer.class);

    /** The caller of a request that came through the socket, as the kernel reported it at connect. */
    record UnixPeer(String user, String group) {
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final XnioWorker worker;
    private final Function<HttpHandler, ChannelListener<StreamConnection>> openListener;
    private final HttpHandler root;
    /** The group the socket file was given, or null: root and the agent's user only. */
    private final String group;
    private final String agentUser = System.getProperty("user.name");
    /** Connections being served, in all and by user. */
    private int active;
    private final Map<String, Integer> activeByUser = new HashMap<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean closed;

    private UnixSocketListener(Path path, ServerSocketChannel server, XnioWorker worker,
                               Function<HttpHandler, ChannelListener<StreamConnection>> openListener, HttpHandler root,
                               String group) {
        this.path = path;
        this.group = group;
        this.server = server;
        this.worker = worker;
        this.openListener = openListener;
        this.root = root;
    }

    /**
     * Listens on {@code path}: a socket left there by an earlier run is replaced; anything else
     * there (a file, a symlink) is refused.
     *
     * @param openListener makes Undertow's listener for one connection, with the given root handler
     */
    static UnixSocketListener open(Path path, XnioWorker worker,
                                   Function<HttpHandler, ChannelListener<StreamConnection>> openListener,
                                   HttpHandler root) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!"socket".equals(fileType(path))) {
                throw new IOException(path + " exists and is not a socket: remove it");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        String group;
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            group = restrict(path);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        UnixSocketListener l = new UnixSocketListener(path, server, worker, openListener, root, group);
        Thread t = new Thread(null, l::acceptLoop, "api-unix", THREAD_STACK_BYTES);
        t.setDaemon(true);
        t.start();
        return l;
    }

    Path path() {
        return path;
    }

    /** The group whose members may connect, or null (root and the agent's user only). */
    String group() {
        return group;
    }

    /** Connections closed at once (not root, the agent's user nor group {@value #GROUP}; or too many). */
    int refused() {
        return refused.get();
    }

    /**
     * 0660 and group {@value #GROUP} when it exists and the agent may give it the file; else 0600 (root and the
     * agent's user only). Returns the group given, or null.
     */
    private static String restrict(Path path) throws IOException {
        GroupPrincipal group = null;
        try {
            group = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
        } catch (IOException e) {
            // no such group: owner only
        }
        // chmod/chown by path: Java's no-follow variants open the file, which a socket refuses (ENXIO).
        // The path was bound just now in the agent's own directory.
        if (group != null) {
            try {
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
            } catch (FileSystemException e) {
                // EPERM: an agent not run by root may give its files only to its own groups (a non-root
                // container user where the .deb's postinst made the group). Owner-only still serves the CLI.
                log.warn("api: {} is for root and {} only: the agent may not give it to group {} ({});"
                        + " add {} to that group to let its members in", path, System.getProperty("user.name"),
                        GROUP, e.getMessage(), System.getProperty("user.name"));
                group = null;
            }
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(group != null ? "rw-rw----" : "rw-------"));
        return group != null ? GROUP : null;
    }

    private void acceptLoop() {
        boolean failing = false;
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                if (!closed) {
                    log.error("api: the unix socket {} was closed: it stopped accepting", path);
                }
                return;
            } catch (IOException e) {
                // EMFILE/ENFILE (a flood took every descriptor) passes: stopping here would leave the
                // operator without the socket for the agent's whole life. The connection waits in the backlog.
                if (!failing) {
                    log.error("api: the unix socket {} cannot accept a connection: {} (retrying every {} ms)",
                            path, e.getMessage(), ACCEPT_RETRY_MILLIS);
                }
                failing = true;
                pauseAfterAcceptFailure();
                continue;
            }
            if (failing) {
                log.info("api: the unix socket {} accepts connections again", path);
                failing = false;
            }
            try {
                serve(client);
            } catch (IOException | RuntimeException | LinkageError e) {
                // LinkageError: a class that cannot load (the jar replaced in place under the agent) fails
                // this connection, not the socket
                log.warn("api: a unix socket connection failed: {}", e.toString());
                IoUtils.safeClose(client);
            }
        }
    }

    private static final long ACCEPT_RETRY_MILLIS = 100;

    private static void pauseAfterAcceptFailure() {
        try {
            Thread.sleep(ACCEPT_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(SocketChannel client) throws IOException {
        UnixDomainPrincipal who = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
        UnixPeer peer = new UnixPeer(who.user().getName(), who.group().getName());
        if (!allowed(peer) || !admit(peer.user())) {
            refused.incrementAndGet();
            client.close();
            return;
        }
        ChannelPipe<StreamConnection, StreamConnection> pipe;
        try {
            pipe = worker.createFullDuplexPipeConnection();
        } catch (IOException | RuntimeException e) {
            release(peer.user());
            throw e;
        }
        StreamConnection served = pipe.getLeftSide();
        StreamConnection ours = pipe.getRightSide();
        ChannelListener<StreamConnection> open = openListener.apply(exchange -> {
            exchange.putAttachment(PEER, peer);
            root.handleRequest(exchange);
        });
        served.getIoThread().execute(() -> open.handleEvent(served));
        AtomicInteger pumps = new AtomicInteger(2);
        Runnable done = () -> {
            if (pumps.decrementAndGet() == 0) {
                release(peer.user());
            }
        };
        pump("api-unix-in", () -> copyIn(client, ours), client, ours, done);
        pump("api-unix-out", () -> copyOut(ours, client), client, ours, done);
    }

    /**
     * Whether {@code user} may have one more connection: a group member its share within the total;
     * root and the agent's own user up to the total of their own, whoever holds the rest (an operator's
     * eight {@code baton tail -f} windows must not lock out their ninth command).
     */
    private synchronized boolean admit(String user) {
        int mine = activeByUser.getOrDefault(user, 0);
        boolean owner = user.equals("root") || user.equals(agentUser);
        if (owner ? mine >= MAX_CONNECTIONS : mine >= MAX_CONNECTIONS_PER_USER || active >= MAX_CONNECTIONS) {
            return false;
        }
        activeByUser.put(user, mine + 1);
        active++;
        return true;
    }

    private synchronized void release(String user) {
        activeByUser.computeIfPresent(user, (u, n) -> n > 1 ? n - 1 : null);
        active--;
    }

    private interface Copy {
        void run() throws IOException;
    }

    private static void pump(String name, Copy copy, SocketChannel client, StreamConnection ours, Runnable done) {
        Thread t = new Thread(null, () -> {
            try {
                copy.run();
            } catch (IOException e) {
                IoUtils.safeClose(client, ours);
            } finally {
                done.run();
            }
        }, name, THREAD_STACK_BYTES);
        t.setDaemon(true);
        t.start();
    }

    /** Client to Undertow; the client's end of input becomes Undertow's. */
    private static void copyIn(SocketChannel client, StreamConnection ours) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
        var sink = ours.getSinkChannel();
        while (client.read(buf) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                Channels.writeBlocking(sink, buf);
            }
            Channels.flushBlocking(sink);
            buf.clear();
        }
        sink.shutdownWrites();
        Channels.flushBlocking(sink);
    }

    /** Undertow to the client; when Undertow closes, so does the client's connection. */
    private static void copyOut(StreamConnection ours, SocketChannel client) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
        var source = ours.getSourceChannel();
        try {
            while (Channels.readBlocking(source, buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    client.write(buf);
                }
                buf.clear();
            }
        } finally {
            IoUtils.safeClose(client, ours);
        }
    }

    /** Root, the agent's own user, or group {@value #GROUP} (as the process's group or a supplementary one in /etc/group). */
    private boolean allowed(UnixPeer peer) {
        return peer.user().equals("root") || peer.user().equals(agentUser) || peer.group().equals(GROUP)
                || groupMembers().contains(peer.user());
    }

    private static List<String> groupMembers() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[0].equals(GROUP)) {
                    return List.of(f[3].split(","));
                }
            }
        } catch (IOException e) {
            // no /etc/group: no members
        }
        return List.of();
    }

    private static String fileType(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000 ? "socket" : "other";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        closed = true;
        IoUtils.safeClose(server);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // left behind: the next start replaces it
        }
    }
}
