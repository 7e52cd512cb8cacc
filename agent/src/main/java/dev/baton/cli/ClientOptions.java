package dev.baton.cli;

import dev.baton.api.ApiToken;
import dev.baton.config.ApiSettings;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the agent's API is and how to prove who we are: shared by every client command. */
final class ClientOptions {
    static final String DEFAULT_URL = "http://127.0.0.1:9176";
    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/lib/baton/api.token");
    static final Path DEFAULT_SOCKET = Path.of("/var/lib/baton/api.sock");

    @Option(names = "--url", paramLabel = "URL", description = "The agent's API (default: $BATON_URL, else the agent "
            + "config's [api] listen and port, else " + DEFAULT_URL + ").")
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

    /**
     * The API's URL: the one given, else {@code $BATON_URL}, else the agent config's {@code [api]}
     * address and port when {@code fromConfig} (it is read only when the socket is not used), else
     * {@value #DEFAULT_URL}.
     */
    URI baseUri(boolean fromConfig) throws CliException {
        String u = url != null ? url : System.getenv("BATON_URL");
        if ((u == null || u.isBlank()) && fromConfig && agentAddress() != null) {
            ApiSettings api = agentAddress().api();
            u = "http://" + connectHost(api.listen()) + ":" + api.port();
        }
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

    /** Where to connect for a listen address: a wildcard means this host's loopback. */
    static String connectHost(String listen) {
        if (listen == null || listen.isBlank() || listen.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (listen.equals("::")) {
            return "[::1]";
        }
        return listen.contains(":") && !listen.startsWith("[") ? "[" + listen + "]" : listen;
    }

    /**
     * The Unix socket to use: none when a URL is given; else the one given or the agent's, when
     * this user may connect to it (else requests go over TCP, where actions need the token).
     */
    Path socket() throws CliException {
        String envUrl = System.getenv("BATON_URL");
        if (url != null || envUrl != null && !envUrl.isBlank()) {
            return null;
        }
        if (socket != null) {
            return socket;
        }
        // The usual case without reading the config (parsing it costs a client more than the request).
        if (!configNamed() && Files.isWritable(DEFAULT_SOCKET)) {
            return DEFAULT_SOCKET;
        }
        ConfigLoader.AgentAddress cfg = agentAddress();
        Path p = cfg == null ? DEFAULT_SOCKET : cfg.agent().stateDir().resolve("api.sock");
        return Files.isWritable(p) ? p : null;
    }

    /** The token file: as given, else from the agent's config (read only now: actions need it, reads do not). */
    Path tokenFile() throws CliException {
        if (tokenFile != null) {
            return tokenFile;
        }
        ConfigLoader.AgentAddress cfg = agentAddress();
        if (cfg == null) {
            return DEFAULT_TOKEN_FILE;
        }
        return cfg.api().tokenFile() != null ? cfg.api().tokenFile() : ApiToken.defaultFile(cfg.agent().stateDir());
    }

    private boolean configNamed() {
        String envConfig = System.getenv("BATON_CONFIG");
        return config.file != null || envConfig != null && !envConfig.isBlank();
    }

    /**
     * Where the agent is, from its config, read once: null when this user cannot read the config, or
     * when none was named and the default file does not exist (then the defaults hold). When the whole
     * config does not load, the main file's [agent] and [api] alone (drop-ins may not set them) still
     * serve, with a warning: a drop-in being edited must not keep an operator's command from the agent.
     * A main file broken there is said to be broken: guessing defaults would give "no API token" or
     * "not running" for an agent that runs.
     */
    private ConfigLoader.AgentAddress agentAddress() throws CliException {
        if (!configRead) {
            configRead = true;
            Path file = config.resolve();
            if (!configNamed() && !Files.exists(file) || Files.exists(file) && !Files.isReadable(file)) {
                return null;
            }
            try {
                BatonConfig whole = ConfigLoader.load(file);
                agentAddress = new ConfigLoader.AgentAddress(whole.agent(), whole.api());
            } catch (ConfigException whole) {
                try {
                    agentAddress = ConfigLoader.agentAddress(file);
                } catch (ConfigException e) {
                    throw new CliException(ExitCodes.USAGE, "invalid config " + file + " (the agent's socket, address and "
                            + "token file are read from it):\n" + e.getMessage() + "\nfix it (baton check-config), or pass "
                            + "--socket, or --url and --token-file", true);
                }
                warnings.println("baton: warning: the config " + file + " does not load (baton check-config says why);"
                        + " its [agent] and [api], which do, say where the agent is");
                warnings.flush();
            }
        }
        return agentAddress;
    }

    private ConfigLoader.AgentAddress agentAddress;
    private java.io.PrintWriter warnings = new java.io.PrintWriter(System.err, true);

    /** Where a warning about the config goes: the command's error stream. */
    void warnTo(java.io.PrintWriter err) {
        this.warnings = err;
    }
    private boolean configRead;
}
