package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.TlsFiles;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the jetcd client from the settings. */
final class EtcdClients {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdClients.class);
    private EtcdClients() {
    }

    static Client connect(ClusterSettings s) {
        ClientBuilder builder = Client.builder()
                .endpoints(s.endpoints().toArray(URI[]::new))
                // Fail fast while etcd is down instead of queueing calls that could land much later:
                // every call has our own time limit and is retried on our own schedule.
                .waitForReady(false)
                .retryMaxAttempts(0)
                .connectTimeout(s.retryTimeout())
                // HTTP/2 pings find a dead connection (a peer gone without a FIN) so the channel reconnects.
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5));
        if (s.tls() != null) {
            builder.sslContext(sslContext(s.tls()));
        }
        return builder.build();
    }

    /**
     * A way to make the client's gRPC channel try to reconnect now instead of after its backoff, which grows
     * to minutes over a long outage. Failsafe needs it: when etcd comes back, the members reach it and refuse
     * at once, so the holder must renew within what is left of their promises, not whenever its backoff ends.
     * jetcd does not expose its channel: it is read by reflection (jetcd 0.8); without it, a no-op.
     */
    static Runnable backoffReset(Client client) {
        try {
            Field manager = client.getClass().getDeclaredField("connectionManager");
            manager.setAccessible(true);
            Object connections = manager.get(client);
            Method channel = connections.getClass().getDeclaredMethod("getChannel");
            channel.setAccessible(true);
            return () -> {
                try {
                    ((ManagedChannel) channel.invoke(connections)).resetConnectBackoff();
                } catch (ReflectiveOperationException | RuntimeException e) {
                    LOG.debug("cannot reset the etcd channel's reconnect backoff: {}", e.toString());
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("this jetcd does not let baton reconnect at once after an outage ({}): failsafe may lose its"
                    + " holder when etcd returns", e.toString());
            return () -> { };
        }
    }

    /**
     * grpc's own builder: a plain Netty SslContext fails with "ALPN must be enabled". The client certificate and
     * key are read again when they change on disk ({@link ReloadingKeyManager}).
     */
    static SslContext sslContext(TlsFiles tls) {
        try {
            X509Certificate[] ca = PemKeys.certificates(tls.ca()).toArray(X509Certificate[]::new);
            return GrpcSslContexts.forClient()
                    .trustManager(ca)
                    .keyManager(new ReloadingKeyManager(tls.cert(), tls.key()))
                    .build();
        } catch (IOException | GeneralSecurityException e) {
            throw new ClusterException("cannot load the etcd TLS files: " + e.getMessage(), e);
        }
    }
}
