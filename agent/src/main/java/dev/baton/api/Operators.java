package dev.baton.api;

import dev.baton.control.Control;
import io.undertow.server.HttpServerExchange;

/**
 * Who asks for an action, for the history: the Unix socket peer's user (the kernel says who), or
 * "token" over TCP, where every action carries the API token and nothing tells whose it is.
 */
final class Operators {
    private Operators() {
    }

    static String who(HttpServerExchange exchange) {
        UnixSocketListener.UnixPeer peer = exchange.getAttachment(UnixSocketListener.PEER);
        return peer != null ? peer.user() : "token";
    }

    /** Records {@code what} (e.g. "restart") on {@code program} (null: the agent) as asked by this exchange's caller. */
    static void record(Control control, HttpServerExchange exchange, String what, String program) {
        control.operatorAction(who(exchange), what, program);
    }
}
