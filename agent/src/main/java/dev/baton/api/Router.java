package dev.baton.api;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Routes by method and path template ({@code /v1/programs/{name}/log}); a path that exists with
 * another method gets 405 with an {@code Allow} header, an unknown path 404. {@code HEAD} is
 * answered by every {@code GET} route, as HTTP requires: the same status and headers, no body
 * (Undertow sends none for a HEAD request).
 */
final class Router implements HttpHandler {
    private static final AttachmentKey<Map<String, String>> PARAMS = AttachmentKey.create(Map.class);

    private record Route(HttpString method, String[] segments, HttpHandler handler) {
    }

    private final List<Route> routes = new ArrayList<>();

    Router get(String template, HttpHandler handler) {
        return add(Methods.GET, template, handler);
    }

    Router post(String template, HttpHandler handler) {
        return add(Methods.POST, template, handler);
    }

    private Router add(HttpString method, String template, HttpHandler handler) {
        routes.add(new Route(method, split(template), handler));
        return this;
    }

    /** A path parameter of the matched route, e.g. {@code name} for {@code {name}}. */
    static String param(HttpServerExchange exchange, String name) {
        Map<String, String> params = exchange.getAttachment(PARAMS);
        return params == null ? null : params.get(name);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        // Undertow cuts ";..." path parameters off a segment, so /v1/programs/svc;x/stop would
        // address svc: a path that means something else than it reads is refused.
        if (!exchange.getPathParameters().isEmpty() || exchange.getRequestURI().indexOf(';') >= 0) {
            throw ApiException.badRequest("';' is not allowed in a request path");
        }
        String[] path = split(exchange.getRelativePath());
        HttpString method = exchange.getRequestMethod().equals(Methods.HEAD) ? Methods.GET : exchange.getRequestMethod();
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = match(r.segments, path);
            if (params == null) {
                continue;
            }
            if (r.method.equals(method)) {
                exchange.putAttachment(PARAMS, params);
                r.handler.handleRequest(exchange);
                return;
            }
            allowed.add(r.method.toString());
            if (r.method.equals(Methods.GET)) {
                allowed.add(Methods.HEAD_STRING);
            }
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound("no such route: " + exchange.getRequestMethod() + " "
                    + exchange.getRelativePath() + " (see docs/api.md)");
        }
        throw ApiException.methodNotAllowed(exchange.getRequestMethod().toString(), String.join(", ", allowed));
    }

    private static Map<String, String> match(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>(2);
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    /** {@code /a/b/} and {@code /a/b} are the same path. */
    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
