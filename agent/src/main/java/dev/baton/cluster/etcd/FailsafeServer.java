package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.SSLSessionInfo;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;

/**
 * The peer channel's server: HTTPS on {@code peer_address}, a client certificate signed by the peer CA
 * required at the handshake, one route, {@code POST /failsafe}. Separate from the operator API (which
 * stays local): other agents can reach this port, and it can do nothing but hand out promises not
 * to campaign. The caller must be the host its request names (its certificate says so).
 */
final class FailsafeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FailsafeServer.class);
    static final String PATH = "/failsafe";
    private static final int MAX_BODY_BYTES = 4096;

    private final Undertow server;

    /** @param answer decides on a request whose holder is authenticated; completes on the cluster thread */
    FailsafeServer(URI address, SSLContext tls, Duration limit, Function<FailsafeRequest, CompletableFuture<FailsafeAnswer>> answer) {
        this.server = Undertow.builder()
                .setIoThreads(1)
                .setWorkerThreads(2)
                .addHttpsListener(address.getPort(), address.getHost(), tls)
                .setSocketOption(Options.SSL_CLIENT_AUTH_MODE, SslClientAuthMode.REQUIRED)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) MAX_BODY_BYTES)
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) Duration.ofSeconds(30).toMillis())
                .setServerOption(UndertowOptions.ENABLE_HTTP2, false)
                .setHandler(exchange -> handle(exchange, limit, answer))
                .build();
        try {
            server.start();
        } catch (RuntimeException e) {
            throw new ClusterException("cannot listen on peer_address " + address.getAuthority() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("failsafe peer channel listening on {}", address.getAuthority());
    }

    private static void handle(HttpServerExchange exchange, Duration limit,
                               Function<FailsafeRequest, CompletableFuture<FailsafeAnswer>> answer) {
        if (!PATH.equals(exchange.getRequestPath()) || !Methods.POST.equals(exchange.getRequestMethod())) {
            exchange.setStatusCode(StatusCodes.NOT_FOUND).endExchange();
            return;
        }
        X509Certificate peer = peerCertificate(exchange.getConnection().getSslSessionInfo());
        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            FailsafeRequest request = Json.readOrNull(body, FailsafeRequest.class);
            if (request == null || request.lock() == null || request.holder() == null) {
                reply(ex, FailsafeAnswer.refuse("unreadable request"));
            } else if (peer == null || !PeerTls.names(peer, request.holder())) {
                LOG.warn("failsafe request for lock {} claiming to come from {} refused: its certificate names {}",
                        request.lock(), request.holder(), peer == null ? "nobody" : PeerTls.identities(peer));
                reply(ex, FailsafeAnswer.refuse("the client certificate does not name " + request.holder()));
            } else {
                ex.dispatch(() -> answer.apply(request)
                        .completeOnTimeout(FailsafeAnswer.refuse("no answer in time"), limit.toMillis(), TimeUnit.MILLISECONDS)
                        .exceptionally(error -> FailsafeAnswer.refuse(EtcdCalls.describe(error)))
                        .thenAccept(a -> reply(ex, a)));
            }
        }, (ex, error) -> ex.setStatusCode(StatusCodes.BAD_REQUEST).endExchange());
    }

    private static X509Certificate peerCertificate(SSLSessionInfo session) {
        try {
            Certificate[] chain = session == null ? null : session.getPeerCertificates();
            return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (Exception e) {
            return null; // no verified client certificate: the handshake requires one, so this is not reached
        }
    }

    private static void reply(HttpServerExchange exchange, FailsafeAnswer answer) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(Json.write(answer)));
    }

    @Override
    public void close() {
        server.stop();
    }
}
