package dev.baton.metrics;

import dev.baton.agent.Control;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: the Prometheus text format 0.0.4. Scraping reads /proc and walks every
 * program, so it runs on a worker thread, never on the I/O thread.
 */
public final class MetricsEndpoint implements HttpHandler, AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final BatonMetrics metrics;

    public MetricsEndpoint(Control control) {
        this(new BatonMetrics(control));
    }

    public MetricsEndpoint(BatonMetrics metrics) {
        this.metrics = metrics;
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
            body = metrics.scrape();
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

    public BatonMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        metrics.close();
    }
}
