package dev.baton.cluster.etcd;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Asks one member over the peer channel. Any failure (refused connection, TLS, timeout, a certificate
 * that does not name the member, an unreadable answer) is a refusal: only an explicit promise counts.
 */
final class FailsafeClient {
    private final HttpClient http;
    private final Duration limit;

    FailsafeClient(SSLContext tls, Duration limit) {
        this.limit = limit;
        this.http = HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(limit)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Never fails: completes with the member's answer or a refusal that says what went wrong. */
    CompletableFuture<FailsafeAnswer> ask(String member, String address, FailsafeRequest request) {
        if (address == null) {
            return CompletableFuture.completedFuture(FailsafeAnswer.refuse(member + " publishes no peer_address"));
        }
        HttpRequest post = HttpRequest.newBuilder(URI.create("https://" + address + FailsafeServer.PATH))
                .timeout(limit)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request)))
                .build();
        return http.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> read(member, response))
                .exceptionally(error -> FailsafeAnswer.refuse(member + " at " + address + ": " + EtcdCalls.describe(error)));
    }

    private static FailsafeAnswer read(String member, HttpResponse<byte[]> response) {
        X509Certificate cert = response.sslSession().map(session -> {
            try {
                Certificate[] chain = session.getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
        }).orElse(null);
        if (cert == null || !PeerTls.names(cert, member)) {
            return FailsafeAnswer.refuse("the host answering at " + member + "'s address is not " + member
                    + " (its certificate names " + (cert == null ? "nobody" : PeerTls.identities(cert)) + ")");
        }
        FailsafeAnswer answer = response.statusCode() == 200 ? Json.readOrNull(response.body(), FailsafeAnswer.class) : null;
        return answer != null ? answer : FailsafeAnswer.refuse(member + " answered HTTP " + response.statusCode());
    }
}
