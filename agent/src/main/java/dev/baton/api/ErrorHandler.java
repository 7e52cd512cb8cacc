package dev.baton.api;

import dev.baton.control.ControlException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into a JSON error document: the expected ones with their status, anything
 * else into a 500 that says only that it was logged (never a stack trace to the client).
 */
final class ErrorHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    private final HttpHandler next;

    private ErrorHandler(HttpHandler next) {
        this.next = next;
    }

    static HttpHandler guarded(HttpHandler next) {
        return new ErrorHandler(next);
    }

    /** Runs {@code next} on a worker thread (it may block: body reads, config loading), guarded. */
    static HttpHandler blocking(HttpHandler next) {
        HttpHandler guarded = guarded(next);
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(guarded);
            } else {
                guarded.handleRequest(exchange);
            }
        };
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        try {
            next.handleRequest(exchange);
        } catch (Throwable t) {
            fail(exchange, t);
        }
    }

    /** Answers {@code t} as a JSON error; safe from any thread once the exchange is dispatched. */
    static void fail(HttpServerExchange exchange, Throwable t) {
        ApiException e = toApi(t);
        if (e.status() == 500) {
            log.error("api: internal error on {} {}", exchange.getRequestMethod(), exchange.getRequestPath(), t);
        }
        if (exchange.isResponseStarted()) {
            // Too late for a status: end the connection so the client sees a failure, not a short body.
            org.xnio.IoUtils.safeClose(exchange.getConnection());
            return;
        }
        if (e.allow() != null) {
            exchange.getResponseHeaders().put(Headers.ALLOW, e.allow());
        }
        Json.send(exchange, e.status(), Views.error(e));
    }

    private static ApiException toApi(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ApiException a) {
            return a;
        }
        if (c instanceof ControlException ce) {
            return ApiException.from(ce);
        }
        if (c instanceof RequestTooBigException) {
            return ApiException.tooLarge(ApiServer.MAX_BODY_BYTES);
        }
        if (c instanceof java.util.concurrent.TimeoutException) {
            return ApiException.unavailable("the agent did not answer in time");
        }
        if (c instanceof IOException && c.getCause() instanceof RequestTooBigException) {
            return ApiException.tooLarge(ApiServer.MAX_BODY_BYTES);
        }
        return new ApiException(500, "internal_error", "internal error: the agent logged the details");
    }
}
