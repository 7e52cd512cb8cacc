package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The CLI's HTTP client against a loopback socket that answers with each body framing. */
class HttpLiteTest {
    private static String fetch(String response) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    while (!HttpLite.line(s.getInputStream()).isEmpty()) {
                        // the request head
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(response.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/status");
            String text = HttpLite.send("GET", uri, Map.of(), 5000).text();
            served.join();
            return text;
        }
    }

    @Test
    void contentLengthChunkedAndCloseDelimitedBodies() throws Exception {
        assertEquals("{\"a\":1}", fetch("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}trailing junk"));
        assertEquals("hello wörld", fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n7;ext=1\r\n wörld\r\n0\r\nX-Trailer: y\r\n\r\n"));
        assertEquals("until close", fetch("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"));
    }
}
