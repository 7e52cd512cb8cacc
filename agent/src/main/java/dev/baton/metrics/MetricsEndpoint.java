package dev.baton.metrics;

import dev.baton.control.Control;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: the Prometheus text format 0.0.4. Scraping reads /proc and walks every
 * program, so it runs on a worker thread, never on the I/O thread.
 *
 * <p>The registry (Micrometer, the Prometheus client, the JVM binders over JMX: ~300 classes) is
 * made at the first scrape, not when the agent starts: that keeps it off the path to the first
 * spawn and out of an unscraped agent's memory. GC pauses before the first scrape are therefore
 * not counted. Its classes are left out of the launcher's CDS archive as well: a bigger archive
 * costs every agent RSS (its pages are touched when the JVM maps and relocates it), while the first
 * scrape loading them from the jar costs that scrape ~0.1 s once.
 */
public final class MetricsEndpoint implements HttpHandler, AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final Supplier<BatonMetrics> factory;
    private volatile BatonMetrics metrics;
    private boolean closed;

    public MetricsEndpoint(Control control) {
        this(() -> new BatonMetrics(control));
    }

    public MetricsEndpoint(BatonMetrics metrics) {
        this(() -> metrics);
    }

    /** @param factory makes the registry at the first scrape */
    MetricsEndpoint(Supplier<BatonMetrics> factory) {
        this.factory = factory;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this);
            return;
        }
        boolean head = exchange.getRequestMethod().equals(Methods.HEAD);
        if (!head && !exchange.getRequestMethod().equals(Methods.GET)) {
            exchange.setStatusCode(StatusCodes.METHOD_NOT_ALLOWED);
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            exchange.endExchange();
            return;
        }
        byte[] body;
        try {
            body = metrics().scrape();
        } catch (RuntimeException e) {
            log.warn("metrics scrape failed", e);
            exchange.setStatusCode(StatusCodes.INTERNAL_SERVER_ERROR);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseSender().send("metrics scrape failed, see the agent's log\n");
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        if (head) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(ByteBuffer.wrap(body));
        }
    }

    /** The registry, made now if no scrape has made it yet. */
    public BatonMetrics metrics() {
        BatonMetrics m = metrics;
        return m != null ? m : make();
    }

    private synchronized BatonMetrics make() {
        if (closed) {
            throw new IllegalStateException("the metrics endpoint is closed");
        }
        if (metrics == null) {
            metrics = factory.get();
        }
        return metrics;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (metrics != null) {
            metrics.close();
        }
    }
}
