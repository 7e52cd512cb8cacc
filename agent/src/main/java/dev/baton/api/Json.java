package dev.baton.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;

/** The API's JSON: snake_case keys, every key always present (null when unknown), one line. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();
    static final String TYPE = "application/json";
    private static final byte[] NEWLINE = {'\n'};
    /** Answers up to this size are not counted (256 connections: 4 MiB at most). */
    private static final long ALWAYS_SENT_BYTES = 16 * 1024;

    private Json() {
    }

    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Sends {@code value} as the whole response (from any thread once the exchange is dispatched). */
    static void send(HttpServerExchange exchange, int status, Object value) {
        sendBytes(exchange, status, bytes(value));
    }

    /**
     * Sends a JSON document already written. It counts against the connection's share of the
     * {@link OutputBudget} as long as Undertow holds it (until the connection's next request or its
     * end, read or not); a document that does not fit is answered with a short 503 instead. Small
     * documents (status, errors) are not counted and always go out: a connection holds one at a
     * time, the connection caps bound them, and an idle client that last read a status must not
     * pass for a slow one and be cut.
     */
    static void sendBytes(HttpServerExchange exchange, int status, byte[] body) {
        long size = body.length + 1L;
        OutputBudget.Account account = size > ALWAYS_SENT_BYTES ? ConnectionPolicy.account(exchange) : null;
        boolean counted = account != null && account.reserve(size);
        if (account != null && !counted) {
            body = bytes(Views.error(ApiException.unavailable("too much output is waiting for clients that read "
                    + "slowly: try again, or ask for less (e.g. fewer lines)")));
            status = 503;
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, TYPE);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.setResponseContentLength(body.length + 1L);
        // No copy of the body: Undertow writes from it and keeps it until the client has read it.
        ByteBuffer[] buffers = {ByteBuffer.wrap(body), ByteBuffer.wrap(NEWLINE)};
        if (counted) {
            account.responseSent(size);
        }
        exchange.getResponseSender().send(buffers);
    }
}
