package dev.baton.api;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * What every request on a connection is held to, before anything else runs:
 * <ul>
 *   <li>a connection serves new requests for {@link #KEEP_ALIVE_LIFETIME_MILLIS} at most, then the
 *       next response closes it (a client cannot keep a connection forever with a request now and
 *       then);</li>
 *   <li>a request with a body must have sent all of it {@link #REQUEST_TIMEOUT_MILLIS} after its head
 *       arrived, else the connection is closed (a slow body would hold a worker thread);</li>
 *   <li>the output it is sent counts against the connection's share of the {@link OutputBudget}.</li>
 * </ul>
 * The idle and header timeouts are Undertow's own ({@link ApiServer}).
 */
final class ConnectionPolicy implements HttpHandler {
    static final long KEEP_ALIVE_LIFETIME_MILLIS = 60_000;
    static final long REQUEST_TIMEOUT_MILLIS = 30_000;
    private static final AttachmentKey<Long> OPENED_AT = AttachmentKey.create(Long.class);
    private static final AttachmentKey<OutputBudget.Account> ACCOUNT = AttachmentKey.create(OutputBudget.Account.class);

    private final HttpHandler next;
    private final OutputBudget budget;

    ConnectionPolicy(HttpHandler next, OutputBudget budget) {
        this.next = next;
        this.budget = budget;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        ServerConnection c = exchange.getConnection();
        Long opened = c.getAttachment(OPENED_AT);
        long now = System.nanoTime();
        if (opened == null) {
            c.putAttachment(OPENED_AT, now);
            OutputBudget.Account account = budget.open(() -> c.getIoThread().execute(() -> IoUtils.safeClose(c)));
            c.putAttachment(ACCOUNT, account);
            c.addCloseListener(closed -> account.close());
        } else {
            c.getAttachment(ACCOUNT).nextRequest();
            if (TimeUnit.NANOSECONDS.toMillis(now - opened) >= KEEP_ALIVE_LIFETIME_MILLIS) {
                exchange.setPersistent(false);
            }
        }
        if (hasBody(exchange)) {
            XnioExecutor.Key deadline = exchange.getIoThread().executeAfter(() -> {
                if (!exchange.isRequestComplete()) {
                    IoUtils.safeClose(c);
                }
            }, REQUEST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            exchange.addExchangeCompleteListener((ex, nextListener) -> {
                deadline.remove();
                nextListener.proceed();
            });
        }
        next.handleRequest(exchange);
    }

    /** The connection's share of the output budget; null outside this policy (never in the server). */
    static OutputBudget.Account account(HttpServerExchange exchange) {
        return exchange.getConnection().getAttachment(ACCOUNT);
    }

    private static boolean hasBody(HttpServerExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        return exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING)
                || length != null && !length.trim().equals("0");
    }
}
