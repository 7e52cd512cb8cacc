package dev.baton.api;

import static dev.baton.api.RunningAgent.program;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.hardening.SlowClients;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API's Unix socket: the kernel's word on who calls (SO_PEERCRED) instead of a token. */
class ApiUnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void rootIsServedWithoutATokenAndAnotherUserIsTurnedAwayEvenWhenTheFileLetsItConnect() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            Path socket = a.stateDir.resolve("api.sock");
            boolean batonGroup = Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith("baton:"));
            assertEquals(batonGroup ? "rw-rw----" : "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

            String status = request(socket, "GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            assertTrue(status.contains("\"unix_socket\":\"" + socket + "\""), status);
            long pid = a.status("web").pid();
            String restart = request(socket, "POST /v1/programs/web/restart HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n");
            assertTrue(restart.startsWith("HTTP/1.1 200"), "an action without a token: " + restart);
            assertTrue(a.status("web").pid() != pid);

            assumeTrue(SlowClients.canSwitchUsers(), "the other user needs root and setpriv");
            // Open the path and the file to everyone: only the agent's own check is left.
            for (Path p = socket.getParent(); p != null && p.startsWith(dir.getParent()) && !p.equals(dir.getParent());
                 p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Process nobody = SlowClients.launch(65534, socket.toString(), "unix");
            assertTrue(nobody.waitFor(60, TimeUnit.SECONDS));
            String answer = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertFalse(answer.startsWith("HTTP") || answer.contains("Permission denied") || answer.contains("No such file"),
                    "connected, then closed by the agent without an answer: " + answer);
        }
    }

    /**
     * One user allowed on the socket (group baton: a script that leaks its connections, or one held
     * on purpose) took all 32 connections, reopening those the agent closed, and root was turned
     * away for as long as it did: `baton status` said "no answer from the baton agent ... Broken
     * pipe" (exit 3, as for an agent that is down). One user now has 8 at most, and root is served
     * beyond the total. Needs a group named baton on the host.
     */
    @Test
    void aMemberHoldingEveryConnectionItCanLeavesRootServed() throws Exception {
        assumeTrue(SlowClients.canSwitchUsers(), "the member needs root and setpriv");
        var baton = Files.readAllLines(Path.of("/etc/group")).stream().filter(l -> l.startsWith("baton:")).findFirst();
        assumeTrue(baton.isPresent(), "no group baton on this host");
        int gid = Integer.parseInt(baton.get().split(":")[2]);
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            Path socket = a.stateDir.resolve("api.sock");
            for (Path p = socket.getParent(); p != null && p.startsWith(dir.getParent()) && !p.equals(dir.getParent());
                 p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Process member = SlowClients.launchWithGroup(65534, gid, socket.toString(), "unixhold", "40");
            try {
                var lines = new java.io.BufferedReader(new java.io.InputStreamReader(member.getInputStream(),
                        StandardCharsets.UTF_8));
                assertEquals("holding", lines.readLine());
                for (int i = 0; i < 5; i++) {
                    String status = request(socket, "GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                    assertTrue(status.startsWith("HTTP/1.1 200"), "root is served while the member holds its share: " + status);
                }
            } finally {
                member.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * The per-user share is for group members: root (or the agent's user) with more connections open
     * than a member may hold (a {@code baton tail -f} per engine in a terminal's panes) is still served.
     */
    @Test
    void rootHoldingMoreThanAMembersShareIsStillServed() throws Exception {
        try (RunningAgent a = new RunningAgent(dir)) {
            a.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            Path socket = a.stateDir.resolve("api.sock");
            java.util.List<SocketChannel> held = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 12; i++) { // each a request head that has not ended yet
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    held.add(c);
                    c.connect(UnixDomainSocketAddress.of(socket));
                    c.write(ByteBuffer.wrap("GET /v1/status HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII)));
                }
                String status = request(socket, "GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                assertTrue(status.startsWith("HTTP/1.1 200"), "the owner's 13th connection: " + status);
            } finally {
                for (SocketChannel c : held) {
                    c.close();
                }
            }
        }
    }

    /** One request through the socket; the whole answer. */
    static String request(Path socket, String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            return new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
