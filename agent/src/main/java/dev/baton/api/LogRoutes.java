package dev.baton.api;

import dev.baton.control.Control;
import dev.baton.logs.LogLine;
import dev.baton.logs.ProgramLog;
import dev.baton.logs.StreamKind;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import java.util.List;
import java.util.Locale;

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
        Json.send(exchange, 200, Views.log(log, tail(log, lines, MAX_TEXT_BYTES, stream(exchange))));
    }

    private void follow(HttpServerExchange exchange) throws Exception {
        ProgramLog log = find(exchange);
        int lines = Requests.intParam(exchange, "lines", 10, 0, MAX_LINES);
        StreamKind only = stream(exchange);
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            // The stream's head, and no stream: a follower nobody reads would live as long as the connection
            LogStream.head(exchange);
            return;
        }
        LogStream.open(exchange, log, lines, only);
    }

    /** {@code ?stream=stdout|stderr}: only that stream's lines; null (both) when absent. */
    private static StreamKind stream(HttpServerExchange exchange) {
        String s = Requests.query(exchange, "stream");
        if (s == null) {
            return null;
        }
        return switch (s) {
            case "stdout", "stderr" -> StreamKind.valueOf(s.toUpperCase(Locale.ROOT));
            default -> throw ApiException.badRequest("stream must be stdout or stderr");
        };
    }

    /**
     * The last {@code n} lines, of one stream when {@code only} is set: those among the ring's
     * newest {@link #MAX_LINES} lines and {@code maxBytes} of text (the ring keeps both interleaved).
     */
    static List<LogLine> tail(ProgramLog log, int n, long maxBytes, StreamKind only) {
        if (only == null) {
            return log.tail(n, maxBytes);
        }
        List<LogLine> mine = log.tail(MAX_LINES, maxBytes).stream().filter(l -> l.stream() == only).toList();
        return mine.subList(Math.max(0, mine.size() - n), mine.size());
    }

    private ProgramLog find(HttpServerExchange exchange) {
        String name = ProgramNames.check(Router.param(exchange, "name"));
        return control.log(name).orElseThrow(() -> ApiException.notFound("no program named " + name));
    }
}
