package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ApiToken;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The CLI's side of the HTTP API: sends a request, maps the answer to JSON or to a
 * {@link CliException} with the exit code scripts rely on.
 */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

    /** A response: its body as text (for --json) and parsed. */
    record Answer(String body, JsonNode json) {
    }

    private final URI base;
    private final Supplier<Path> tokenFile;
    private final HttpClient http;
    private String token;

    ApiClient(URI base, Supplier<Path> tokenFile) {
        this.base = base;
        this.tokenFile = tokenFile;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** A read: sent without the token; sent again with it if the agent asks (remote access). */
    Answer get(String path) throws CliException {
        HttpResponse<String> r = send(request(path).timeout(READ_TIMEOUT).GET(), false);
        if (r.statusCode() == 401) {
            r = send(request(path).timeout(READ_TIMEOUT).GET(), true);
        }
        return answer(r);
    }

    /** An action: always with the token; no time limit, the agent bounds each action itself. */
    Answer post(String path) throws CliException {
        return answer(send(request(path).POST(HttpRequest.BodyPublishers.noBody()), true));
    }

    /** A stream of text lines (server-sent events); the caller closes it. */
    Stream<String> lines(String path) throws CliException {
        HttpRequest req = authorize(request(path).header("Accept", "text/event-stream").GET(), false).build();
        try {
            HttpResponse<Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) {
                String body = String.join("\n", r.body().toList());
                answer(new StatusAndBody(r.statusCode(), body));
            }
            return r.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(base.getPath() + path)).header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder b, boolean withToken) throws CliException {
        try {
            return http.send(authorize(b, withToken).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder b, boolean withToken) throws CliException {
        return withToken ? b.header("Authorization", "Bearer " + token()) : b;
    }

    private String token() throws CliException {
        if (token == null) {
            Path file = tokenFile.get();
            try {
                token = ApiToken.read(file);
            } catch (AccessDeniedException e) {
                throw new CliException(ExitCodes.PERMISSION, "cannot read the API token " + file
                        + ": permission denied (run as root or as the agent's user, or pass --token-file)");
            } catch (NoSuchFileException e) {
                throw new CliException(ExitCodes.PERMISSION, "no API token at " + file + " (the agent writes it at "
                        + "its first start; pass --token-file or --config to point at the right one)");
            } catch (IOException e) {
                throw new CliException(ExitCodes.PERMISSION, "cannot read the API token " + file + ": " + e.getMessage());
            }
        }
        return token;
    }

    private record StatusAndBody(int status, String body) {
    }

    private Answer answer(HttpResponse<String> r) throws CliException {
        return answer(new StatusAndBody(r.statusCode(), r.body()));
    }

    private Answer answer(StatusAndBody r) throws CliException {
        JsonNode json = parse(r.body());
        if (r.status() >= 200 && r.status() < 300) {
            return new Answer(r.body(), json);
        }
        JsonNode msg = json == null ? null : json.path("error").get("message");
        String message = msg != null && msg.isTextual() ? msg.asText() : "HTTP " + r.status() + " from " + base;
        throw new CliException(exitCode(r.status()), message);
    }

    static int exitCode(int status) {
        return switch (status) {
            case 400, 405, 413, 415 -> ExitCodes.USAGE;
            case 401, 403 -> ExitCodes.PERMISSION;
            case 404 -> ExitCodes.NOT_FOUND;
            default -> ExitCodes.FAILED;
        };
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private CliException unreachable(IOException e) {
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                || e.getCause() instanceof ConnectException) {
            return new CliException(ExitCodes.NOT_RUNNING, "baton agent is not running at " + base
                    + " (start it with: systemctl start baton)");
        }
        return new CliException(ExitCodes.NOT_RUNNING, "no answer from the baton agent at " + base + ": "
                + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
    }
}
