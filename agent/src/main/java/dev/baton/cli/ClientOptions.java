package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the agent's API is and how to prove who we are: shared by every client command. */
final class ClientOptions {
    static final String DEFAULT_URL = "http://127.0.0.1:9176";
    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/lib/baton/api.token");
    static final Path DEFAULT_SOCKET = Path.of("/var/lib/baton/api.sock");

    @Option(names = "--url", paramLabel = "URL", description = "The agent's API (default: $BATON_URL or "
            + DEFAULT_URL + ").")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE", description = "The API token for actions (default: the "
            + "agent config's api.token_file or <state_dir>/api.token, else " + "/var/lib/baton/api.token).")
    Path tokenFile;

    @Option(names = "--socket", paramLabel = "PATH", description = "The agent's Unix socket (default: <state_dir>/api.sock "
            + "of the agent config, else " + "/var/lib/baton/api.sock); used unless --url or $BATON_URL is set. Root, "
            + "the agent's user and group baton may use it, without a token; others go over TCP.")
    Path socket;

    @Option(names = "--json", description = "Print the API's JSON document instead of text.")
    boolean json;

    @Mixin
    ConfigOption config;

    URI baseUri() throws CliException {
        String u = url != null ? url : System.getenv("BATON_URL");
        if (u == null || u.isBlank()) {
            u = DEFAULT_URL;
        }
        try {
            URI uri = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "invalid --url " + u + ": expected e.g. " + DEFAULT_URL);
        }
    }

    /**
     * The Unix socket to use: none when a URL is given; else the one given or the agent's, when
     * this user may connect to it (else requests go over TCP, where actions need the token).
     */
    Path socket() {
        String envUrl = System.getenv("BATON_URL");
        if (url != null || envUrl != null && !envUrl.isBlank()) {
            return null;
        }
        if (socket != null) {
            return socket;
        }
        // The usual case without reading the config (parsing it costs a client more than the request).
        String envConfig = System.getenv("BATON_CONFIG");
        boolean configNamed = config.file != null || envConfig != null && !envConfig.isBlank();
        if (!configNamed && java.nio.file.Files.isWritable(DEFAULT_SOCKET)) {
            return DEFAULT_SOCKET;
        }
        Path p;
        try {
            p = ConfigLoader.load(config.resolve()).agent().stateDir().resolve("api.sock");
        } catch (Exception e) {
            p = DEFAULT_SOCKET;
        }
        return java.nio.file.Files.isWritable(p) ? p : null;
    }

    /** The token file: as given, else from the agent's config (read only now: actions need it, reads do not). */
    Path tokenFile() {
        if (tokenFile != null) {
            return tokenFile;
        }
        try {
            BatonConfig cfg = ConfigLoader.load(config.resolve());
            return cfg.api().tokenFile() != null ? cfg.api().tokenFile()
                    : dev.baton.api.ApiToken.defaultFile(cfg.agent().stateDir());
        } catch (Exception e) {
            return DEFAULT_TOKEN_FILE;
        }
    }
}
