package dev.baton.hardening;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.baton.api.RunningAgent;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent out of file descriptors (a flood of connections or files, somewhere in the process) when a
 * connection reaches its Unix socket: accept(2) fails with EMFILE. The socket's accept thread took
 * that for the socket's end and returned: the operator had no socket for the agent's whole life
 * (every later command waited unanswered in the backlog). It now retries, and the socket serves again
 * once descriptors are free. The test lowers this JVM's own RLIMIT_NOFILE and fills it.
 */
class DescriptorExhaustionTest {
    private static final int RLIMIT_NOFILE = 7; // Linux

    @TempDir
    Path dir;

    @Test
    void theSocketServesAgainOnceDescriptorsAreFree() throws Exception {
        POSIX posix = POSIXFactory.getNativePOSIX();
        try (RunningAgent a = new RunningAgent(dir); LogCapture log = LogCapture.install()) {
            a.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")).start();
            Path socket = a.stateDir.resolve("api.sock");
            // Every class serving a connection loaded first: from target/classes each load opens a file (the
            // packaged agent reads them from its open jar), and one that failed to load stays failed.
            assertTrue(request(socket).startsWith("HTTP/1.1 200"));
            RLimit before = posix.getrlimit(RLIMIT_NOFILE);
            List<AutoCloseable> held = new ArrayList<>();
            try {
                // Linux reserves accept(2)'s descriptor before it blocks: it fails only when called with the table
                // full, right after serving a connection took the last ones. Leave k free (one for this client, the
                // rest for the agent's serving it) for k = 1, 2, ... until serving leaves none for the next accept.
                for (int k = 1; k <= 16 && !log.saw(Level.ERROR, "cannot accept a connection"); k++) {
                    int failedBefore = failedConnections(log);
                    posix.setrlimit(RLIMIT_NOFILE, openDescriptors() + 64, before.rlimMax());
                    fillDescriptors(held);
                    for (int i = 0; i < k; i++) {
                        held.remove(held.size() - 1).close();
                    }
                    try {
                        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                        held.add(c);
                        c.connect(UnixDomainSocketAddress.of(socket));
                        // k too small: serving it failed (a warning); else the next accept failed, or k is past it
                        await().atMost(Duration.ofSeconds(5)).until(() -> failedConnections(log) > failedBefore
                                || log.saw(Level.ERROR, "cannot accept a connection"));
                    } catch (IOException | org.awaitility.core.ConditionTimeoutException e) {
                        // another thread of this JVM took a descriptor meanwhile: the next k
                    }
                    closeAll(held);
                    posix.setrlimit(RLIMIT_NOFILE, before.rlimCur(), before.rlimMax());
                }
            } finally {
                closeAll(held);
                posix.setrlimit(RLIMIT_NOFILE, before.rlimCur(), before.rlimMax());
            }
            assertTrue(log.saw(Level.ERROR, "cannot accept a connection"), "the agent's accept never ran out: " + log.messages(Level.ERROR) + log.messages(Level.WARN));
            String status = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> request(socket),
                    "the socket stopped accepting for good");
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
        }
    }

    private static int failedConnections(LogCapture log) {
        return (int) log.messages(Level.WARN).stream().filter(m -> m.contains("a unix socket connection failed")).count();
    }

    private static int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static void fillDescriptors(List<AutoCloseable> held) {
        try {
            for (int i = 0; i < 10_000; i++) {
                held.add(FileChannel.open(Path.of("/dev/null")));
            }
        } catch (IOException e) {
            // EMFILE: full
        }
    }

    private static void closeAll(List<AutoCloseable> held) throws Exception {
        for (AutoCloseable c : held) {
            c.close();
        }
        held.clear();
    }

    private static String request(Path socket) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap("GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            return new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
