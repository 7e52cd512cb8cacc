package dev.baton.hardening;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The attacker of {@link ApiFloodTest} and {@code dev.baton.api.ApiUnixSocketTest}, run in its own
 * JVM (as another user where that is the point): opens many connections to the API and misbehaves
 * on each. Prints {@code opened N} once they are open, then {@code open K} every 200 ms (how many
 * the agent has not closed yet) until killed.
 *
 * <pre>
 *   SlowClients PORT unread COUNT PATH   send GET PATH, never read the answer
 *   SlowClients PORT silent COUNT        connect, send nothing
 *   SlowClients PORT keepalive COUNT     GET /healthz on each, read it, and again every second
 *   SlowClients SOCKET unix              GET /v1/status through a Unix socket: prints its status line or "closed"
 *   SlowClients SOCKET unixhold COUNT    holds COUNT Unix socket connections, each sending a request head that never
 *                                        ends, a byte every 200 ms; reopens those the agent closes; prints "holding"
 * </pre>
 */
public final class SlowClients {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private SlowClients() {
    }

    /** Whether attackers can run as other users here (root and util-linux's setpriv). */
    public static boolean canSwitchUsers() {
        return dev.baton.process.os.Os.isRoot() && java.nio.file.Files.isExecutable(SETPRIV);
    }

    /**
     * Starts the attacker in its own JVM as {@code uid} (group nogroup, no other groups), its
     * output readable line by line. It runs from a copy of this one class in a directory every
     * user can read: the build's own may sit where another user cannot look.
     */
    public static Process launch(int uid, String... args) throws IOException {
        return launchWithGroup(uid, 65534, args);
    }

    /** {@link #launch}, with {@code gid} as its group (no other groups). */
    public static Process launchWithGroup(int uid, int gid, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + uid, "--regid=" + gid,
                "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-cp", readableCopy().toString(), SlowClients.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static Path readableCopy;

    private static synchronized Path readableCopy() throws IOException {
        if (readableCopy == null) {
            Path root = java.nio.file.Files.createTempDirectory("baton-attacker-");
            String resource = SlowClients.class.getName().replace('.', '/') + ".class";
            Path target = root.resolve(resource);
            java.nio.file.Files.createDirectories(target.getParent());
            try (var in = SlowClients.class.getClassLoader().getResourceAsStream(resource)) {
                java.nio.file.Files.copy(in, target);
            }
            try (var all = java.nio.file.Files.walk(root)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions
                            .fromString(java.nio.file.Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                    p.toFile().deleteOnExit(); // deleted in reverse order: the class, then its directories
                }
            }
            readableCopy = root;
        }
        return readableCopy;
    }

    public static void main(String[] args) throws Exception {
        String mode = args[1];
        if (mode.equals("unix")) {
            System.out.println(unixStatus(Path.of(args[0])));
            return;
        }
        if (mode.equals("unixhold")) {
            holdUnix(Path.of(args[0]), Integer.parseInt(args[2]));
            return;
        }
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[2]);
        String path = args.length > 3 ? args[3] : "/healthz";
        List<SocketChannel> open = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                SocketChannel c = SocketChannel.open();
                c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
                c.connect(new InetSocketAddress("127.0.0.1", port));
                if (!mode.equals("silent")) {
                    c.write(request(port, mode.equals("keepalive") ? "/healthz" : path));
                }
                c.configureBlocking(false);
                open.add(c);
            } catch (IOException e) {
                // refused or reset: the agent's business; count what stays open
            }
        }
        System.out.println("opened " + open.size());
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        for (long round = 0; ; round++) {
            Thread.sleep(200);
            int alive = 0;
            for (SocketChannel c : open) {
                if (!c.isOpen()) {
                    continue;
                }
                try {
                    if (mode.equals("unread")) {
                        // never read: an open socket is all we can tell
                        alive++;
                        continue;
                    }
                    sink.clear();
                    int n = c.read(sink);
                    if (n < 0) {
                        c.close();
                        continue;
                    }
                    if (mode.equals("keepalive") && round % 5 == 0) {
                        c.write(request(port, "/healthz"));
                    }
                    alive++;
                } catch (IOException e) {
                    c.close();
                }
            }
            System.out.println("open " + alive);
        }
    }

    private static ByteBuffer request(int port, String path) {
        return ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static void holdUnix(Path socket, int count) throws InterruptedException {
        SocketChannel[] held = new SocketChannel[count];
        ByteBuffer head = ByteBuffer.wrap("GET /v1/status HTTP/1.1\r\nX".getBytes(StandardCharsets.US_ASCII));
        for (boolean first = true; ; first = false) {
            for (int i = 0; i < count; i++) {
                try {
                    if (held[i] == null || !held[i].isOpen()) {
                        held[i] = SocketChannel.open(StandardProtocolFamily.UNIX);
                        held[i].connect(UnixDomainSocketAddress.of(socket));
                        held[i].write(head.duplicate());
                    } else {
                        held[i].write(ByteBuffer.wrap(new byte[] {'X'}));
                    }
                } catch (IOException e) {
                    closeQuietly(held[i]); // closed by the agent: opened again next round
                }
            }
            if (first) {
                System.out.println("holding");
            }
            Thread.sleep(200);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static String unixStatus(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap("GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(64);
            while (b.hasRemaining() && c.read(b) >= 0) {
                // the status line is enough
            }
            String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            return text.isEmpty() ? "closed" : text.lines().findFirst().orElse("closed");
        } catch (IOException e) {
            return "refused: " + e.getMessage();
        }
    }
}
