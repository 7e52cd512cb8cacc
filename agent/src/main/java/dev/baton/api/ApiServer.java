package dev.baton.api;

import dev.baton.config.ApiSettings;
import dev.baton.control.Control;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The local control API: HTTP on a loopback TCP port (token for actions; curl, scrapes) and on a
 * Unix socket in the state directory (the kernel tells who calls; the CLI). One I/O thread, a
 * couple of worker threads for the few routes that block (reload, config check, signal). Reads run
 * on the I/O thread straight from the agent's snapshots; actions wait for the agent without
 * holding a thread.
 *
 * <p>No client, however many or slow, can take the agent's memory or lock others out: connections
 * are capped per peer and in total with a fair share each ({@link ConnectionGate}); output waiting
 * for a client is capped per connection and in total, the slowest cut first ({@link OutputBudget});
 * a connection is closed when idle {@link #IDLE_TIMEOUT_MILLIS}, when its request head takes more
 * than {@link #HEADER_TIMEOUT_MILLIS}, and after its keep-alive lifetime ({@link ConnectionPolicy}).
 *
 * <p>When the TCP port is taken (by another process, perhaps to catch the token), the API keeps
 * trying to bind it with backoff and says so in {@code /v1/status}; the Unix socket serves meanwhile.
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
    static final int MAX_CONNECTIONS = 256;
    static final int MAX_CONNECTIONS_PER_PEER = 32;
    static final int IDLE_TIMEOUT_MILLIS = 10_000;
    static final int HEADER_TIMEOUT_MILLIS = 10_000;
    /** Output held for clients that have not read it, in all and per connection (one /log answer fits). */
    static final long OUTPUT_BUDGET_BYTES = 8L << 20;
    static final long OUTPUT_PER_CONNECTION_BYTES = 4L << 20;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final int WORKER_THREADS = 2;
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 30_000;

    private final XnioWorker worker;
    private final ChannelListener<StreamConnection> gate;
    private final InetSocketAddress address;
    private final String host;
    private final AccessGuard guard;
    private final HttpHandler metrics;
    private final UnixSocketListener unix;
    private final String unixProblem;
    private volatile AcceptingChannel<StreamConnection> tcp;
    private volatile int port;
    private volatile String tcpProblem;
    /** The other loopback address (::1 beside 127.0.0.1 and back), held on the same port; null: none. */
    private final InetAddress twinAddress;
    private volatile AcceptingChannel<StreamConnection> twin;
    private volatile String twinProblem;
    private final AtomicReference<Views.ApiInfo> info;
    private volatile boolean closed;

    private ApiServer(XnioWorker worker, ChannelListener<StreamConnection> gate, InetSocketAddress address, String host,
                      AccessGuard guard, HttpHandler metrics, UnixSocketListener unix, String unixProblem,
                      AtomicReference<Views.ApiInfo> info) {
        this.info = info;
        this.worker = worker;
        this.gate = gate;
        this.address = address;
        this.host = host;
        this.guard = guard;
        this.metrics = metrics;
        this.unix = unix;
        this.unixProblem = unixProblem;
        this.port = address.getPort();
        this.twinAddress = LoopbackTwin.of(address.getAddress());
    }

    /**
     * Starts the API as the settings say: the Unix socket at once, the TCP port at once or, when it
     * is taken, as soon as it is free.
     *
     * @param stateDir where the token file and the Unix socket live
     * @param metrics  the {@code /metrics} handler (dev.baton.metrics), or null for none
     * @throws IOException   the token file cannot be read or made, or the server cannot be set up
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
        AtomicReference<Views.ApiInfo> info = new AtomicReference<>();
        new AgentRoutes(control, info::get).register(router);
        new ProgramRoutes(control).register(router);
        new LogRoutes(control).register(router);
        new ClusterRoutes(control).register(router); // 404 without [cluster]
        new ProofRoute(token).register(router);
        // /metrics: dev.baton.metrics.MetricsEndpoint, mounted when the agent passes it.
        if (metrics != null) {
            router.get("/metrics", metrics);
        }
        String hostLiteral = hostLiteral(address);
        AccessGuard guard = new AccessGuard(router, token, settings.allowRemote(), hostLiteral, settings.port());
        OutputBudget budget = new OutputBudget(OUTPUT_BUDGET_BYTES, OUTPUT_PER_CONNECTION_BYTES);
        HttpHandler root = new ConnectionPolicy(ErrorHandler.guarded(guard), budget);

        XnioWorker worker = Xnio.getInstance(ApiServer.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_NAME, "api")
                .set(Options.WORKER_IO_THREADS, 1)
                .set(Options.WORKER_TASK_CORE_THREADS, WORKER_THREADS)
                .set(Options.WORKER_TASK_MAX_THREADS, WORKER_THREADS)
                .set(Options.TCP_NODELAY, true)
                .set(Options.CORK, true)
                .getMap());
        ByteBufferPool buffers = new DefaultByteBufferPool(true, BUFFER_BYTES, -1, 4);
        OptionMap undertowOptions = OptionMap.builder()
                .set(UndertowOptions.MAX_ENTITY_SIZE, MAX_ENTITY_BYTES)
                .set(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_BYTES)
                .set(UndertowOptions.MAX_HEADERS, MAX_HEADERS)
                .set(UndertowOptions.MAX_PARAMETERS, 32)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, HEADER_TIMEOUT_MILLIS)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, IDLE_TIMEOUT_MILLIS)
                .set(UndertowOptions.ALWAYS_SET_DATE, false)
                .getMap();
        HttpOpenListener http = new HttpOpenListener(buffers, undertowOptions);
        http.setRootHandler(root);
        ConnectionGate gate = new ConnectionGate(http, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_PEER, ConnectionGate::tcpPeer);

        UnixSocketListener unix = null;
        String unixProblem = null;
        Path socket = stateDir.resolve(UnixSocketListener.FILE_NAME);
        try {
            unix = UnixSocketListener.open(socket, worker, handler -> {
                HttpOpenListener l = new HttpOpenListener(buffers, undertowOptions);
                l.setRootHandler(handler);
                return l;
            }, root);
            log.info("api: listening on {} (root, {}{})", socket, System.getProperty("user.name"),
                    unix.group() == null ? " only" : " and group " + unix.group());
        } catch (IOException | RuntimeException e) {
            unixProblem = "cannot listen on " + socket + ": " + e.getMessage();
            log.error("api: {}; the CLI needs --url and the token meanwhile", unixProblem);
        }
        ApiServer server = new ApiServer(worker, gate, new InetSocketAddress(address, settings.port()), hostLiteral,
                guard, metrics, unix, unixProblem, info);
        server.bindTcp(FIRST_RETRY_MILLIS);
        if (server.tcp != null) {
            log.info("api: listening on {} (token file {})", server.url(), tokenFile);
        }
        return server;
    }

    /** Binds the TCP port, or tries again after {@code retryMillis} (doubling up to a limit) while it is taken. */
    private void bindTcp(long retryMillis) {
        if (closed) {
            return;
        }
        try {
            AcceptingChannel<StreamConnection> channel = listen(address);
            port = channel.getLocalAddress(InetSocketAddress.class).getPort();
            guard.boundTo(port);
            tcp = channel;
            String was = tcpProblem;
            tcpProblem = null;
            updateInfo();
            channel.resumeAccepts();
            if (was != null) {
                log.info("api: listening on {} at last", url());
            }
            bindTwin(FIRST_RETRY_MILLIS);
        } catch (IOException e) {
            String problem = "cannot listen on " + host + ":" + address.getPort() + ": " + e.getMessage()
                    + " (another process holds the port? retrying)";
            if (!problem.equals(tcpProblem)) {
                log.error("api: {}; the Unix socket serves meanwhile", problem);
            }
            tcpProblem = problem;
            updateInfo();
            worker.getIoThread().executeAfter(() -> bindTcp(Math.min(retryMillis * 2, MAX_RETRY_MILLIS)),
                    retryMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Holds the API's port on the other loopback address too, serving it the same way: `localhost`
     * is ::1 as well as 127.0.0.1 on most hosts, ::1 first, and clients that connect in that order
     * would bring a user holding [::1]:PORT every request sent to localhost, token included. Taken:
     * said in the status (as for the main address) and retried.
     */
    private void bindTwin(long retryMillis) {
        if (closed || twinAddress == null || twin != null) {
            return;
        }
        InetSocketAddress at = new InetSocketAddress(twinAddress, port);
        try {
            twin = listen(at);
            twin.resumeAccepts();
            if (twinProblem != null) {
                log.info("api: listening on {} at last", LoopbackTwin.literal(at));
            }
            twinProblem = null;
        } catch (java.net.BindException e) {
            if (!String.valueOf(e.getMessage()).contains("in use")) {
                // EADDRNOTAVAIL: no such address on this host (IPv6 off), which nobody can take either
                log.debug("api: not listening on {}: {}", LoopbackTwin.literal(at), e.getMessage());
                return;
            }
            String problem = "cannot listen on " + LoopbackTwin.literal(at) + ": " + e.getMessage() + " (another process holds"
                    + " it: clients of localhost may reach it instead of the agent and send it the token; retrying)";
            if (!problem.equals(twinProblem)) {
                log.error("api: {}", problem);
            }
            twinProblem = problem;
            worker.getIoThread().executeAfter(() -> bindTwin(Math.min(retryMillis * 2, MAX_RETRY_MILLIS)),
                    retryMillis, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            log.debug("api: not listening on {}: {}", LoopbackTwin.literal(at), e.getMessage());
        }
        updateInfo();
    }

    private AcceptingChannel<StreamConnection> listen(InetSocketAddress at) throws IOException {
        return worker.createStreamConnectionServer(at, ChannelListeners.openListenerAdapter(gate), OptionMap.builder()
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BACKLOG, 1000)
                .set(Options.TCP_NODELAY, true)
                .getMap());
    }

    private void updateInfo() {
        info.set(new Views.ApiInfo(tcp != null ? url() : null, tcpProblem != null ? tcpProblem : twinProblem,
                unix != null ? unix.path().toString() : null, unixProblem));
    }

    /** The TCP port (the configured one until bound). */
    public int port() {
        return port;
    }

    /** Whether the TCP port is bound. */
    public boolean listening() {
        return tcp != null;
    }

    /** e.g. {@code http://127.0.0.1:9176}. */
    public String url() {
        return "http://" + host + ":" + port;
    }

    @Override
    public void close() {
        closed = true;
        IoUtils.safeClose(tcp, twin);
        if (unix != null) {
            unix.close();
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
