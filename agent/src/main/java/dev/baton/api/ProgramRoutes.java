package dev.baton.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.control.ActionResult;
import dev.baton.control.Control;
import dev.baton.process.os.Signals;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/** One program (or {@code all}): read it, start, stop, restart, signal. */
final class ProgramRoutes {
    private static final Set<String> JSON_TYPES = Set.of(Json.TYPE);
    private static final long SIGNAL_WAIT_SECONDS = 10;

    private final Control control;

    ProgramRoutes(Control control) {
        this.control = control;
    }

    void register(Router router) {
        router.get("/v1/programs", this::list)
                .get("/v1/programs/{name}", this::one)
                .post("/v1/programs/{name}/start", action("start", Control::start))
                .post("/v1/programs/{name}/stop", action("stop", Control::stop))
                .post("/v1/programs/{name}/restart", action("restart", Control::restart))
                .post("/v1/programs/{name}/signal", ErrorHandler.blocking(this::signal));
    }

    private void list(HttpServerExchange exchange) {
        Json.send(exchange, 200, Views.status(control.status(), null).programs());
    }

    private void one(HttpServerExchange exchange) {
        String name = ProgramNames.check(Router.param(exchange, "name"));
        var program = control.program(name).orElseThrow(() -> ApiException.notFound("no program named " + name));
        Json.send(exchange, 200, Views.program(program, control.status()));
    }

    /**
     * An action answers when the agent finished it (a start when the program is RUNNING or failed
     * to be): the exchange waits without holding a thread, and the answer is written on its I/O thread.
     */
    private HttpHandler action(String what, BiFunction<Control, String, CompletableFuture<ActionResult>> op) {
        return exchange -> {
            String name = ProgramNames.check(Router.param(exchange, "name"));
            CompletableFuture<ActionResult> result = op.apply(control, name);
            recordIfAny(exchange, what, name);
            answer(exchange, result);
        };
    }

    /** Records the action in the history when {@code name} is a program or {@code all}: a request for nothing is not an action. */
    private void recordIfAny(HttpServerExchange exchange, String what, String name) {
        if (ProgramNames.ALL.equals(name) || control.program(name).isPresent()) {
            Operators.record(control, exchange, what, name);
        }
    }

    private void signal(HttpServerExchange exchange) throws Exception {
        String name = ProgramNames.check(Router.param(exchange, "name"));
        String text = Requests.query(exchange, "signal");
        String body = Requests.body(exchange, JSON_TYPES);
        if (text == null && !body.isBlank()) {
            text = signalFromJson(body);
        }
        if (text == null || text.isBlank()) {
            throw ApiException.badRequest("name the signal: ?signal=HUP or the body {\"signal\":\"HUP\"}");
        }
        int signal;
        try {
            signal = Signals.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // Signalling is immediate; this worker thread may wait for it (blocking mode forbids the I/O thread).
        CompletableFuture<ActionResult> sent = control.signal(name, signal);
        recordIfAny(exchange, "signal " + Signals.name(signal), name);
        ActionResult r = sent.get(SIGNAL_WAIT_SECONDS, TimeUnit.SECONDS);
        Json.send(exchange, 200, Views.action(r, control.status()));
    }

    private static String signalFromJson(String body) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
        JsonNode sig = node == null ? null : node.get("signal");
        if (sig == null || !(sig.isTextual() || sig.isInt())) {
            throw ApiException.badRequest("the body needs a \"signal\": a name such as \"HUP\" or a number");
        }
        return sig.asText();
    }

    private void answer(HttpServerExchange exchange, CompletableFuture<ActionResult> result) {
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> result.whenCompleteAsync((r, t) -> {
            if (t != null) {
                ErrorHandler.fail(exchange, t);
            } else {
                try {
                    Json.send(exchange, 200, Views.action(r, control.status()));
                } catch (RuntimeException e) {
                    ErrorHandler.fail(exchange, e);
                }
            }
        }, exchange.getIoThread()));
    }
}
