package dev.baton.api;

import io.undertow.server.HttpServerExchange;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/proof?challenge=HEX}: the agent proves it is the agent before a client sends it
 * the token over TCP (a process that took the port while the agent was down would otherwise get
 * the token from the first action). No token needed; the answer reveals nothing about the token.
 */
final class ProofRoute {
    private static final Pattern CHALLENGE = Pattern.compile("[0-9a-f]{32,128}");

    /** The answer: {@code proof} for the challenge on this connection (its ports, on loopback its addresses too). */
    record Proof(String proof, int clientPort, int serverPort) {
    }

    private final ApiToken token;

    ProofRoute(ApiToken token) {
        this.token = token;
    }

    void register(Router router) {
        router.get("/v1/proof", this::prove);
    }

    private void prove(HttpServerExchange exchange) {
        var values = exchange.getQueryParameters().get("challenge");
        String challenge = values == null || values.isEmpty() ? "" : values.getFirst();
        if (!CHALLENGE.matcher(challenge).matches()) {
            throw ApiException.badRequest("challenge: expected 32 to 128 lowercase hex digits");
        }
        InetSocketAddress client = exchange.getSourceAddress();
        InetSocketAddress server = exchange.getDestinationAddress();
        if (client == null || server == null) {
            throw ApiException.badRequest("a proof is for TCP connections (the Unix socket needs none)");
        }
        Json.send(exchange, 200, new Proof(token.proof(challenge, client, server),
                client.getPort(), server.getPort()));
    }
}
