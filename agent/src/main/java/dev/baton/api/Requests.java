package dev.baton.api;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Locale;
import java.util.Set;

/** Query parameters and request bodies, checked: bad values are 400, wrong types 415, big bodies 413. */
final class Requests {
    private Requests() {
    }

    static String query(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** A flag: {@code true} or {@code false}; false when absent. */
    static boolean boolParam(HttpServerExchange exchange, String name) {
        String v = query(exchange, name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("'" + name + "' must be true or false");
    }

    /** An integer parameter within {@code [min, max]}; {@code fallback} when absent. */
    static int intParam(HttpServerExchange exchange, String name, int fallback, int min, int max) {
        String v = query(exchange, name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("'" + name + "' must be a whole number from " + min + " to " + max);
    }

    /** The media type without parameters, lower case; null when there is no Content-Type. */
    static String mediaType(HttpServerExchange exchange) {
        String ct = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (ct == null) {
            return null;
        }
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The whole body as UTF-8 text (blocking: worker threads only). The server's entity cap ends the
     * read of a larger body (413). No body is "", whatever the Content-Type.
     *
     * @param types the accepted media types (415 otherwise)
     */
    static String body(HttpServerExchange exchange, Set<String> types) throws IOException {
        long declared = exchange.getRequestContentLength();
        boolean chunked = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
        if (declared <= 0 && !chunked) {
            return "";
        }
        String type = mediaType(exchange);
        if (!types.contains(String.valueOf(type))) {
            throw ApiException.unsupportedType("send the body as " + String.join(" or ", types.stream().sorted().toList())
                    + " (got " + (type == null ? "no Content-Type" : type) + ")");
        }
        if (declared > ApiServer.MAX_BODY_BYTES) {
            throw ApiException.tooLarge(ApiServer.MAX_BODY_BYTES);
        }
        exchange.startBlocking();
        InputStream in = exchange.getInputStream();
        byte[] bytes = in.readNBytes((int) ApiServer.MAX_BODY_BYTES + 1);
        if (bytes.length > ApiServer.MAX_BODY_BYTES) {
            throw ApiException.tooLarge(ApiServer.MAX_BODY_BYTES);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
