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

    /** Sends a JSON document already written. */
    static void sendBytes(HttpServerExchange exchange, int status, byte[] body) {
        ByteBuffer buf = ByteBuffer.allocate(body.length + 1).put(body).put((byte) '\n').flip();
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, TYPE);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(buf);
    }
}
