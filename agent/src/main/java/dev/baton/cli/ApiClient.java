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
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CLI's side of the HTTP API: sends a request, maps the answer to JSON or to a
 * {@link CliException} with the exit code scripts rely on.
 *
 * <p>Through the agent's Unix socket no token is needed: the kernel tells the agent who calls.
 * Over TCP, the token goes only to a listener that has first proven it is the agent: it answers a
 * random challenge with an HMAC keyed by the token over the challenge and this connection's ends
 * ({@code GET /v1/proof}), and the token then travels on that same connection. A process that took
 * the agent's port never sees the token.
 */
final class ApiClient {
    private static final int READ_TIMEOUT_MILLIS = 15_000;
    private static final int NO_TIMEOUT = 0;

    /** Where the token is: found only when an action needs it (reads do not). */
    interface TokenFile {
        Path get() throws CliException;
    }

    /** A response: its body as text (for --json) and parsed. */
    record Answer(String body, JsonNode json) {
    }

    private final URI base;
    private final Path socket;
    private final TokenFile tokenFile;
    private String token;

    /** Over TCP to {@code base}. */
    ApiClient(URI base, TokenFile tokenFile) {
        this(base, null, tokenFile);
    }

    /** Through the Unix socket {@code socket} when not null; else over TCP to {@code base}. */
    ApiClient(URI base, Path socket, TokenFile tokenFile) {
        this.base = base;
        this.socket = socket;
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

    /** An action: with the token over TCP; no time limit, the agent bounds each action itself. */
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

    /** Where requests go, for messages. */
    String where() {
        return socket != null ? socket.toString() : base.toString();
    }

    private HttpLite.Response send(String method, String path, boolean withToken, int readTimeout) throws CliException {
        Map<String, String> headers = Map.of("Accept", "application/json");
        HttpLite.Connection c = null;
        try {
            if (socket != null) {
                c = HttpLite.Connection.unix(socket);
                return c.send(method, path, headers, readTimeout, false);
            }
            URI uri = URI.create(base + path);
            HttpLite.Tcp tcp = HttpLite.Connection.tcp(uri);
            c = tcp;
            if (withToken) {
                String secret = token();
                verifyAgent(tcp, secret, "so the token was not sent");
                headers = Map.of("Accept", "application/json", "Authorization", "Bearer " + secret);
            } else {
                // A read: whoever may read the token (root, the agent's user) believes only the agent's
                // answer, or a process that took the port while the agent was down would show root every
                // program RUNNING (exit 0), or give `kill $(baton pid NAME)` the pid of its choice.
                String secret = tokenIfReadable();
                if (secret != null) {
                    verifyAgent(tcp, secret, "so its answer was not used");
                }
            }
            return tcp.send(method, HttpLite.target(uri), headers, readTimeout, false);
        } catch (IOException e) {
            closeQuietly(c);
            throw unreachable(e);
        } catch (CliException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * The listener answers our challenge as only the agent holding {@code secret} can, or nothing more
     * is sent on this connection ({@code refused} says what that spared: the token, or trust in a read).
     */
    private void verifyAgent(HttpLite.Tcp tcp, String secret, String refused) throws IOException, CliException {
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        String challenge = HexFormat.of().formatHex(nonce);
        HttpLite.Response r = tcp.send("GET", "/v1/proof?challenge=" + challenge, Map.of("Accept", "application/json"),
                READ_TIMEOUT_MILLIS, true);
        JsonNode json = JsonTree.parse(r.bodyText());
        String proof = json == null ? null : json.path("proof").asText(null);
        String expected = ApiToken.expectedProof(secret, challenge, tcp.localAddress(), tcp.remoteAddress());
        if (r.status() != 200 || !ApiToken.sameProof(proof, expected)) {
            throw new CliException(ExitCodes.PERMISSION, "the listener at " + base + " did not prove it is the baton "
                    + "agent (HTTP " + r.status() + " to the token challenge), " + refused + ": another process "
                    + "may hold the port (see: ss -ltnp 'sport = :" + tcp.remoteAddress().getPort() + "'), or the agent uses another "
                    + "token file");
        }
    }

    /** The token when this user can read it, else null (a read then goes unverified: there is nothing to check with). */
    private String tokenIfReadable() {
        try {
            return token();
        } catch (CliException e) {
            return null;
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
        String message = msg != null && msg.isTextual() ? msg.asText() : "HTTP " + r.status() + " from " + where();
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

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // already failing
            }
        }
    }

    private static void close(HttpLite.Response r) {
        try {
            r.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connected, then closed without an answer: what the agent does to a connection past the user's share. */
    private static boolean closedUnanswered(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Broken pipe") || m.contains("Connection reset") || m.equals("not an HTTP response: null");
    }

    private CliException unreachable(IOException e) {
        if (e instanceof ConnectException) {
            return new CliException(ExitCodes.NOT_RUNNING, "baton agent is not running at " + where()
                    + " (start it with: systemctl start baton)");
        }
        String why = e instanceof SocketTimeoutException ? "no answer in time" : e.getMessage();
        if (socket != null && closedUnanswered(e)) {
            why += " (the agent took the connection and closed it without an answer: it is stopping, or this user"
                    + " holds its share of the socket, 8 connections for a member of group baton; end other baton"
                    + " commands of this user, e.g. a tail -f)";
        }
        return new CliException(ExitCodes.NOT_RUNNING, "no answer from the baton agent at " + where() + ": " + why);
    }
}
