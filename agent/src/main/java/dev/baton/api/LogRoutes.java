package dev.baton.api;

import dev.baton.agent.Control;
import dev.baton.logs.ProgramLog;
import io.undertow.server.HttpServerExchange;

/** A program's recent lines, and a stream of its new ones. */
final class LogRoutes {
    /** More than any ring holds by default; a cap so one request cannot ask for everything. */
    static final int MAX_LINES = 10_000;
    /**
     * The most line text one answer carries, whatever the ring holds (up to 64 MiB): older lines
     * are left out. Its JSON is at most ~6 times as big (a control byte is written as 6 characters).
     */
    static final long MAX_TEXT_BYTES = 512 * 1024;
    /** Answers this short are always built (status-sized; a full budget does not refuse them). */
    private static final int SMALL_ANSWER_LINES = 10;

    private final Control control;

    LogRoutes(Control control) {
        this.control = control;
    }

    void register(Router router) {
        router.get("/v1/programs/{name}/log", this::tail)
                .get("/v1/programs/{name}/log/follow", this::follow);
    }

    private void tail(HttpServerExchange exchange) {
        ProgramLog log = find(exchange);
        int lines = Requests.intParam(exchange, "lines", 100, 0, MAX_LINES);
        // Refused before the answer is built when it could not be sent: building it costs the I/O
        // thread more than anything else the API does.
        OutputBudget.Account account = ConnectionPolicy.account(exchange);
        if (lines > SMALL_ANSWER_LINES && account != null && !account.hasRoomFor(MAX_TEXT_BYTES)) {
            throw ApiException.unavailable("too much output is waiting for clients that read slowly: try again, "
                    + "or ask for fewer lines");
        }
        Json.send(exchange, 200, Views.log(log, log.tail(lines, MAX_TEXT_BYTES)));
    }

    private void follow(HttpServerExchange exchange) throws Exception {
        ProgramLog log = find(exchange);
        int lines = Requests.intParam(exchange, "lines", 10, 0, MAX_LINES);
        LogStream.open(exchange, log, lines);
    }

    private ProgramLog find(HttpServerExchange exchange) {
        String name = ProgramNames.check(Router.param(exchange, "name"));
        return control.log(name).orElseThrow(() -> ApiException.notFound("no program named " + name));
    }
}
