package dev.baton.api;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Set;

/**
 * Who may do what, checked before any route runs. Requests through the Unix socket were
 * authorised at connect by the caller's credentials ({@link UnixSocketListener}); over TCP:
 * <ol>
 *   <li>the Host header names this agent on loopback (a browser page on a rebinding domain cannot
 *       reach the API), unless remote access is allowed;</li>
 *   <li>a client from another host is refused unless remote access is allowed;</li>
 *   <li>every action (any method but GET/HEAD) needs the bearer token, and so does every read by a
 *       remote client, except the probes {@code /healthz} and {@code /readyz}.</li>
 * </ol>
 */
final class AccessGuard implements HttpHandler {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final String BEARER = "bearer ";

    private final HttpHandler next;
    private final ApiToken token;
    private final boolean allowRemote;
    private final Set<String> hostNames;
    /** Set once bound (port 0 in the settings means any free port). */
    private volatile int port;

    /**
     * @param listenHost the bound address as it appears in a Host header (IPv6 in brackets); also
     *                   accepted, for loopback addresses other than 127.0.0.1
     */
    AccessGuard(HttpHandler next, ApiToken token, boolean allowRemote, String listenHost, int port) {
        this.next = next;
        this.token = token;
        this.allowRemote = allowRemote;
        this.hostNames = union(LOOPBACK_NAMES, listenHost.toLowerCase(Locale.ROOT));
        this.port = port;
    }

    void boundTo(int port) {
        this.port = port;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.getAttachment(UnixSocketListener.PEER) != null) {
            // Through the Unix socket: the kernel told who calls, and only those allowed got this far.
            next.handleRequest(exchange);
            return;
        }
        boolean remote = !isLoopback(exchange.getSourceAddress());
        if (!allowRemote) {
            if (remote) {
                throw ApiException.forbidden("the API answers only local clients (api.allow_remote is off)");
            }
            if (!hostAllowed(exchange.getRequestHeaders().getFirst(Headers.HOST))) {
                throw ApiException.forbidden("Host header not allowed: use http://127.0.0.1:" + port
                        + " or http://localhost:" + port);
            }
        }
        boolean action = !exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD);
        if ((action || (remote && !isProbe(exchange.getRelativePath()))) && !authorized(exchange)) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"baton\"");
            throw ApiException.unauthorized(action
                    ? "this action needs 'Authorization: Bearer <token>' (the token is in the agent's api.token file)"
                    : "remote reads need 'Authorization: Bearer <token>'");
        }
        next.handleRequest(exchange);
    }

    /** {@code localhost}, {@code 127.0.0.1} or {@code [::1]}, with this server's port or none. */
    boolean hostAllowed(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > h.lastIndexOf(']')) {
            if (!h.substring(colon + 1).equals(Integer.toString(port))) {
                return false;
            }
            h = h.substring(0, colon);
        }
        return hostNames.contains(h);
    }

    private boolean authorized(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return token.matches(header.substring(BEARER.length()).trim());
    }

    private static boolean isProbe(String path) {
        return path.equals("/healthz") || path.equals("/readyz");
    }

    private static boolean isLoopback(InetSocketAddress a) {
        return a != null && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    private static Set<String> union(Set<String> names, String extra) {
        java.util.HashSet<String> s = new java.util.HashSet<>(names);
        s.add(extra);
        return Set.copyOf(s);
    }
}
