package dev.baton.api;

import dev.baton.agent.RecentAgentLines;
import dev.baton.control.AgentStatus;
import dev.baton.control.Control;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** The agent as a whole: status, probes, handover history, reload, config check and shutdown. */
final class AgentRoutes {
    private static final Set<String> TOML_TYPES = Set.of("application/toml", "text/plain");

    private final Control control;
    private final StatusDocument statusDocument;

    /** @param api where the API listens, for the status (null until known) */
    AgentRoutes(Control control, Supplier<Views.ApiInfo> api) {
        this.control = control;
        this.statusDocument = new StatusDocument(control, api);
    }

    void register(Router router) {
        router.get("/v1/status", this::status)
                .get("/v1/status/off-target", ErrorHandler.blocking(this::offTarget))
                .get("/v1/history", this::history)
                .get("/v1/agent/log", this::agentLog)
                .post("/v1/shutdown", this::shutdown)
                .post("/v1/reexec", ErrorHandler.blocking(this::reexec))
                .post("/v1/reload", ErrorHandler.blocking(this::reload))
                .get("/v1/reload/preview", ErrorHandler.blocking(this::preview))
                .post("/v1/config/check", ErrorHandler.blocking(this::check))
                .get("/healthz", this::health)
                // Readiness asks the event loop: a worker thread waits for it, never the I/O thread.
                .get("/readyz", ErrorHandler.blocking(this::ready));
    }

    private void status(HttpServerExchange exchange) {
        Json.sendBytes(exchange, 200, statusDocument.json());
    }

    /** The programs {@code baton status} exits 3 for; asks the event loop, so a worker thread waits. */
    private void offTarget(HttpServerExchange exchange) {
        Json.send(exchange, 200, new Views.OffTarget(control.offTarget()));
    }

    /** Answers before the agent stops: the client then watches the socket close. */
    private void shutdown(HttpServerExchange exchange) {
        Json.send(exchange, 202, new Views.Shutdown(true, "shutting down: every program stops (reverse priority), "
                + "then the agent exits"));
        Operators.record(control, exchange, "shutdown", null);
        control.shutdown();
    }

    /**
     * {@code baton reexec}: checks (seconds: the installed version is run), answers, and only once the
     * answer is sent re-executes in place; the client then watches the status for the new start.
     */
    private void reexec(HttpServerExchange exchange) {
        Operators.record(control, exchange, "reexec", null);
        String refused = control.reexecCheck();
        if (refused != null) {
            throw ApiException.conflict(refused);
        }
        AgentStatus s = control.status();
        exchange.addExchangeCompleteListener((done, next) -> {
            next.proceed();
            control.reexecNow();
        });
        Json.send(exchange, 202, new Views.Reexec(true, "re-executing baton " + s.version() + " in place (pid " + s.pid()
                + "): the installed version adopts the running programs", s.version(), s.pid()));
    }

    /** {@code baton maintail}: the agent's own newest lines. */
    private void agentLog(HttpServerExchange exchange) {
        int lines = Requests.intParam(exchange, "lines", 100, 0, 10_000);
        Json.send(exchange, 200, Views.agentLog(RecentAgentLines.last(lines)));
    }

    private void history(HttpServerExchange exchange) {
        int limit = Requests.intParam(exchange, "limit", 100, 1, 10_000);
        Json.send(exchange, 200, Views.history(control.history(limit)));
    }

    private void reload(HttpServerExchange exchange) {
        boolean force = Requests.boolParam(exchange, "force");
        Operators.record(control, exchange, force ? "reload --force" : "reload", null);
        Json.send(exchange, 200, Views.reload(control.reload(force)));
    }

    /** {@code baton reread}: what a reload would do now, nothing applied. */
    private void preview(HttpServerExchange exchange) {
        Json.send(exchange, 200, Views.reload(control.reread()));
    }

    private void check(HttpServerExchange exchange) throws Exception {
        String toml = Requests.body(exchange, TOML_TYPES);
        if (toml.isBlank()) {
            throw ApiException.badRequest("send the TOML to check as the request body");
        }
        Json.send(exchange, 200, Views.reload(control.check(toml)));
    }

    private void health(HttpServerExchange exchange) {
        Json.send(exchange, 200, Views.health(control.status()));
    }

    /** 200 when every program is where it should be; 503 with the reasons otherwise. */
    private void ready(HttpServerExchange exchange) {
        List<String> reasons = control.unready();
        Json.send(exchange, reasons.isEmpty() ? 200 : 503, new Views.Ready(reasons.isEmpty(), reasons));
    }
}
