package dev.baton.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/** Real HTTP to the agent's API for tests: java.net.http, and a raw socket for what it will not send. */
public final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A response, its body parsed when it is JSON. */
    public record Response(int status, String body, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The error document's code, e.g. not_found. */
        public String errorCode() {
            return json().path("error").path("code").asText();
        }
    }

    private final String base;
    private final Supplier<String> token;

    public Http(String base, Supplier<String> token) {
        this.base = base;
        this.token = token;
    }

    /** The agent's token, as the actions send it. */
    public String token() {
        return token.get();
    }

    public Response get(String path) throws Exception {
        return send(request(path).GET());
    }

    /** A POST with the agent's token. */
    public Response post(String path) throws Exception {
        return send(request(path).header("Authorization", "Bearer " + token.get()).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response post(String path, String contentType, String body) throws Exception {
        return send(request(path).header("Authorization", "Bearer " + token.get()).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A request as built by the test (its own headers, method, token or none). */
    public Response send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r.headers());
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    }

    /**
     * Sends {@code head} (request line and headers, CRLF-separated, no final blank line) over a
     * plain socket and returns the status code: for headers java.net.http refuses to set (Host).
     */
    public static int rawStatus(int port, String head) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring(9, 12));
        }
    }
}
