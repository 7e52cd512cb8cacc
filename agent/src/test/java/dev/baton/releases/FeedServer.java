package dev.baton.releases;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP server on a free port whose answer a test swaps at will; counts the requests. */
public final class FeedServer implements AutoCloseable {
    public interface Answer {
        void send(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final AtomicReference<Answer> answer = new AtomicReference<>();
    public final AtomicInteger requests = new AtomicInteger();

    public FeedServer(Answer first) throws IOException {
        answer.set(first);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "feed-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                answer.get().send(exchange);
            } catch (IOException e) {
                // the client hung up (a cancelled download): expected in the limit tests
            }
        });
        server.start();
    }

    public void answer(Answer next) {
        answer.set(next);
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public static Answer ok(byte[] body) {
        return exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        };
    }

    public static Answer status(int code) {
        return exchange -> exchange.sendResponseHeaders(code, -1);
    }

    /** Sends zeros without end (chunked), until the client hangs up. */
    static Answer endless() {
        return exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = exchange.getResponseBody();
            while (true) {
                out.write(chunk);
            }
        };
    }

    /** Sends one byte every 200 ms: the headers come at once, the body never ends in time. */
    static Answer trickle() {
        return exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 300; i++) {
                out.write('[');
                out.flush();
                try {
                    Thread.sleep(200); // the server's pace, not the test's wait
                } catch (InterruptedException e) {
                    return;
                }
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
