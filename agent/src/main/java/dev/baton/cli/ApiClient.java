package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.ApiToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The CLI's side of the HTTP API: sends a request, maps the answer to JSON or to a
 * {@link CliException} with the exit code scripts rely on.
 */
final class ApiClient {
    private static final int READ_TIMEOUT_MILLIS = 15_000;
    private static final int NO_TIMEOUT = 0;

    /** A response: its body as text (for --json) and parsed. */
    record Answer(String body, JsonNode json) {
    }

    private final URI base;
    private final Supplier<Path> tokenFile;
    private String token;

    ApiClient(URI base, Supplier<Path> tokenFile) {
        this.base = base;
        this.tokenFile = tokenFile;
    }

    /** A read: sent without the token; sent again with it if the agent asks (remote access). */
    Answer get(String path) throws CliException {
        HttpLite.Response r = send("GET", path, false, READ_TIMEOUT_MILLIS);
        if (r.status() == 401) {
            close(r);
            r = send("GET", path, true, READ_TIMEOUT_MILLIS);
        }
        return answer(r);
    }

    /** An action: always with the token; no time limit, the agent bounds each action itself. */
    Answer post(String path) throws CliException {
        return answer(send("POST", path, true, NO_TIMEOUT));
    }

    /** The lines of a stream (server-sent events); closing the stream closes the connection. */
    Stream<String> lines(String path) throws CliException {
        HttpLite.Response r = send("GET", path, false, NO_TIMEOUT);
        if (r.status() == 401) {
            close(r);
            r = send("GET", path, true, NO_TIMEOUT);
        }
        if (r.status() != 200) {
            answer(r);
        }
        HttpLite.Response open = r;
        BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        return reader.lines().onClose(() -> close(open));
    }

    private HttpLite.Response send(String method, String path, boolean withToken, int readTimeout) throws CliException {
        Map<String, String> headers = withToken
                ? Map.of("Accept", "application/json", "Authorization", "Bearer " + token())
                : Map.of("Accept", "application/json");
        try {
            return HttpLite.send(method, URI.create(base + path), headers, readTimeout);
        } catch (IOException e) {
            throw unreachable(e);
        }
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

    private Answer answer(HttpLite.Response r) throws CliException {
        String body;
        try {
            body = r.text();
        } catch (IOException e) {
            throw unreachable(e);
        }
        JsonNode json = JsonTree.parse(body);
        if (r.status() >= 200 && r.status() < 300 && json != null) {
            return new Answer(body, json);
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

    private static void close(HttpLite.Response r) {
        try {
            r.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CliException unreachable(IOException e) {
        if (e instanceof ConnectException) {
            return new CliException(ExitCodes.NOT_RUNNING, "baton agent is not running at " + base
                    + " (start it with: systemctl start baton)");
        }
        String why = e instanceof SocketTimeoutException ? "no answer in time" : e.getMessage();
        return new CliException(ExitCodes.NOT_RUNNING, "no answer from the baton agent at " + base + ": " + why);
    }
}
