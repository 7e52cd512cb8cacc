package dev.baton.api;

import dev.baton.agent.Control;
import dev.baton.config.ApiSettings;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;

/**
 * The local HTTP control API: one I/O thread, a couple of worker threads for the few routes that
 * block (reload, config check, signal), request sizes capped. Reads run on the I/O thread straight
 * from the agent's snapshots; actions wait for the agent without holding a thread.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** The largest request body (a config to check): 1 MiB. */
    static final long MAX_BODY_BYTES = 1 << 20;
    /**
     * Undertow's own hard cap, above ours: our check answers 413 with a JSON body; Undertow's ends
     * the connection (what a client sending a huge chunked body gets).
     */
    private static final long MAX_ENTITY_BYTES = 2 * MAX_BODY_BYTES;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_HEADERS = 64;
    private static final int MAX_CONNECTIONS = 128;
    private static final int WORKER_THREADS = 2;

    private final Undertow server;
    private final int port;
    private final String host;

    private final HttpHandler metrics;

    private ApiServer(Undertow server, String host, int port, HttpHandler metrics) {
        this.metrics = metrics;
        this.server = server;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts the API as the settings say.
     *
     * @param stateDir where the token file lives unless the settings name one
     * @param metrics  the {@code /metrics} handler (dev.baton.metrics), or null for none
     * @throws IOException   the token file cannot be read or made, or the address cannot be bound
     * @throws ApiRefusedException the settings ask for a non-loopback address without allow_remote
     */
    public static ApiServer start(ApiSettings settings, Path stateDir, Control control, HttpHandler metrics)
            throws IOException {
        InetAddress address = resolve(settings.listen());
        if (!address.isLoopbackAddress() && !settings.allowRemote()) {
            throw new ApiRefusedException("api.listen = \"" + settings.listen() + "\" is not a loopback address: "
                    + "set api.allow_remote = true to serve the API to other hosts (every request then needs the token)");
        }
        Path tokenFile = settings.tokenFile() != null ? settings.tokenFile() : ApiToken.defaultFile(stateDir);
        ApiToken token = ApiToken.loadOrCreate(tokenFile);

        Router router = new Router();
        new AgentRoutes(control).register(router);
        new ProgramRoutes(control).register(router);
        new LogRoutes(control).register(router);
        new ClusterRoutes(control).register(router); // 404 without [cluster]
        // /metrics: dev.baton.metrics.MetricsEndpoint, mounted when the agent passes it.
        if (metrics != null) {
            router.get("/metrics", metrics);
        }
        String hostLiteral = hostLiteral(address);
        AccessGuard guard = new AccessGuard(router, token, settings.allowRemote(), hostLiteral, settings.port());
        HttpHandler root = ErrorHandler.guarded(guard);
        Undertow server = Undertow.builder()
                .addHttpListener(settings.port(), address.getHostAddress())
                .setIoThreads(1)
                .setWorkerThreads(WORKER_THREADS)
                .setBufferSize(16 * 1024)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, MAX_ENTITY_BYTES)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_BYTES)
                .setServerOption(UndertowOptions.MAX_HEADERS, MAX_HEADERS)
                .setServerOption(UndertowOptions.MAX_PARAMETERS, 32)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 10_000)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
                .setSocketOption(Options.CONNECTION_HIGH_WATER, MAX_CONNECTIONS)
                .setSocketOption(Options.CONNECTION_LOW_WATER, MAX_CONNECTIONS)
                .setHandler(root)
                .build();
        try {
            server.start();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + hostLiteral + ":" + settings.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        guard.boundTo(port);
        log.info("api: listening on http://{}:{} (token file {})", hostLiteral, port, tokenFile);
        return new ApiServer(server, hostLiteral, port, metrics);
    }

    public int port() {
        return port;
    }

    /** e.g. {@code http://127.0.0.1:9176}. */
    public String url() {
        return "http://" + host + ":" + port;
    }

    @Override
    public void close() {
        server.stop();
        // The metrics endpoint holds JVM listeners (GC notifications) that outlive the server otherwise.
        if (metrics instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // closing at shutdown: nothing more to do
            }
        }
    }

    /** As in a URL or Host header: {@code 127.0.0.1}, {@code [::1]}. */
    private static String hostLiteral(InetAddress a) {
        if (a instanceof java.net.Inet6Address) {
            return "[" + (a.isLoopbackAddress() ? "::1" : a.getHostAddress()) + "]";
        }
        return a.getHostAddress();
    }

    private static InetAddress resolve(String listen) throws UnknownHostException {
        String h = listen.startsWith("[") && listen.endsWith("]") ? listen.substring(1, listen.length() - 1) : listen;
        return InetAddress.getByName(h);
    }

    /** The settings forbid starting the API (non-loopback without allow_remote). */
    public static final class ApiRefusedException extends IOException {
        public ApiRefusedException(String message) {
            super(message);
        }
    }
}
