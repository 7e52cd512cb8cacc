package dev.baton.api;

import dev.baton.logs.Follower;
import dev.baton.logs.LogLine;
import dev.baton.logs.ProgramLog;
import dev.baton.logs.StreamKind;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.sse.ServerSentEventConnection;
import io.undertow.server.handlers.sse.ServerSentEventHandler;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * One client following a program's log as server-sent events ({@code event: line}, the line's
 * sequence number as {@code id}, its JSON as {@code data}).
 *
 * <p>Lines come from the log's sink thread and are only queued here; the I/O thread writes them.
 * What is queued for one client is bounded (events and bytes): a client that reads too slowly
 * loses lines (an {@code event: dropped} tells how many so far; the {@code seq} gap shows where),
 * and one that reads nothing for {@link #STALL_LIMIT_SECONDS} is disconnected. What is queued also
 * counts against the connection's share of the {@link OutputBudget}, so many streams that read
 * nothing cannot together fill the heap: the slowest is cut when the API's total is reached. Neither ever slows
 * the log reader or the supervisor.
 */
final class LogStream {
    private static final Logger log = LoggerFactory.getLogger(LogStream.class);
    static final int MAX_QUEUED_EVENTS = 1024;
    static final long MAX_QUEUED_BYTES = 1 << 20;
    static final long STALL_LIMIT_SECONDS = 60;
    private static final long CHECK_SECONDS = 2;
    private static final long KEEP_ALIVE_MILLIS = 15_000;

    private final ServerSentEventConnection connection;
    private final ProgramLog programLog;
    private final XnioIoThread ioThread;
    /** The connection's share of the API's output budget (null only outside the server). */
    private final OutputBudget.Account account;
    private Follower follower;
    private XnioExecutor.Key checkTimer;

    /** Guarded by this (start and the sink thread): lines up to here were sent as backlog. */
    private long afterSeq;
    /** Only this stream's lines ({@code baton tail NAME stderr}); null: both. */
    private final StreamKind only;
    // Atomics, not the monitor: the connection calls back under its own lock, and offer() holds
    // this monitor while it calls the connection; sharing one lock both ways could deadlock.
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    /** A dropped notice is queued and not yet written: at most one at a time, however full the queue. */
    private final AtomicBoolean lossNoticeQueued = new AtomicBoolean();
    // I/O thread only.
    private long reportedLost;
    private long deliveredAtLastCheck;
    private int checksWithoutProgress;

    private LogStream(ServerSentEventConnection connection, ProgramLog programLog, XnioIoThread ioThread,
                      OutputBudget.Account account, StreamKind only) {
        this.only = only;
        this.connection = connection;
        this.programLog = programLog;
        this.ioThread = ioThread;
        this.account = account;
    }

    /** Answers {@code exchange} with the stream: first the last {@code backlog} lines, then new ones. */
    static void open(HttpServerExchange exchange, ProgramLog programLog, int backlog, StreamKind only) throws Exception {
        XnioIoThread io = exchange.getIoThread();
        OutputBudget.Account account = ConnectionPolicy.account(exchange);
        new ServerSentEventHandler((c, lastEventId) -> new LogStream(c, programLog, io, account, only)
                .start(backlog, lastEventId))
                .handleRequest(exchange);
    }

    /** What a stream answers before its first event, and nothing more (a HEAD request). */
    static void head(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=UTF-8");
        exchange.endExchange();
    }

    private void start(int backlog, String lastEventId) {
        connection.setKeepAliveTime(KEEP_ALIVE_MILLIS);
        synchronized (this) {
            // Follow first, then read the backlog: no line falls between the two, and lines the
            // follower also delivers (seq <= afterSeq) are skipped.
            follower = programLog.follow(this::offer);
            List<LogLine> first = backlog(backlog, lastEventId);
            first.forEach(this::queue);
            afterSeq = first.isEmpty() ? afterSeq : first.get(first.size() - 1).seq();
        }
        connection.addCloseTask(c -> stop());
        scheduleCheck();
    }

    /** A reconnecting client (Last-Event-ID) gets what it missed that the ring still holds. */
    private List<LogLine> backlog(int backlog, String lastEventId) {
        long last = parseSeq(lastEventId);
        if (last < 0) {
            return backlog == 0 ? List.of() : LogRoutes.tail(programLog, backlog, MAX_QUEUED_BYTES / 2, only);
        }
        afterSeq = last;
        return LogRoutes.tail(programLog, LogRoutes.MAX_LINES, MAX_QUEUED_BYTES / 2, only).stream()
                .filter(l -> l.seq() > last).toList();
    }

    /** Sink thread: never blocks (the connection only queues; the I/O thread writes). */
    private synchronized void offer(LogLine line) {
        if (line.seq() > afterSeq && (only == null || line.stream() == only)) {
            queue(line);
        }
    }

    private void queue(LogLine line) {
        // A line that could not be queued is dropped before it is encoded (the encoding is the cost).
        if (!hasRoomFor(2L * line.text().length() + 64)) {
            dropped.incrementAndGet();
            return;
        }
        String data = new String(Json.bytes(Views.line(line)), StandardCharsets.UTF_8);
        // What the queued event may take on the heap: its text (up to 2 bytes a char) and framing.
        long size = 2L * data.length() + 64;
        if (queuedBytes.get() + size > MAX_QUEUED_BYTES || account != null && !account.reserve(size)) {
            dropped.incrementAndGet();
            return;
        }
        queuedEvents.incrementAndGet();
        queuedBytes.addAndGet(size);
        connection.send(data, "line", Long.toString(line.seq()), new Sent(size));
    }

    private boolean hasRoomFor(long size) {
        return queuedEvents.get() < MAX_QUEUED_EVENTS && queuedBytes.get() + size <= MAX_QUEUED_BYTES
                && (account == null || account.hasRoomFor(size));
    }

    /** Counts a queued event out once written (or failed: then the connection is gone anyway). */
    private final class Sent implements ServerSentEventConnection.EventCallback {
        private final long size;
        private final Runnable then;

        Sent(long size) {
            this(size, () -> { });
        }

        Sent(long size, Runnable then) {
            this.size = size;
            this.then = then;
        }

        @Override
        public void done(ServerSentEventConnection c, String data, String event, String id) {
            written();
            delivered.incrementAndGet();
        }

        @Override
        public void failed(ServerSentEventConnection c, String data, String event, String id, java.io.IOException e) {
            written();
        }

        private void written() {
            queuedEvents.decrementAndGet();
            queuedBytes.addAndGet(-size);
            if (account != null) {
                account.release(size);
            }
            then.run();
        }
    }

    /** I/O thread, every few seconds: report losses, end the stream when the program left or the client stalled. */
    private void check() {
        if (!connection.isOpen() || follower.isClosed()) {
            connection.shutdown();
            stop();
            return;
        }
        long lost = dropped.get() + follower.lostLines();
        long now = delivered.get();
        checksWithoutProgress = queuedEvents.get() > 0 && now == deliveredAtLastCheck ? checksWithoutProgress + 1 : 0;
        deliveredAtLastCheck = now;
        if (checksWithoutProgress * CHECK_SECONDS >= STALL_LIMIT_SECONDS) {
            log.info("api: closing a stalled log stream of {} ({} lines dropped)", programLog.name(), lost);
            closeQuietly();
            return;
        }
        // Not gated on the queue's room: a producer that keeps the queue full would starve the notice.
        if (lost > reportedLost && lossNoticeQueued.compareAndSet(false, true)) {
            reportedLost = lost;
            queuedEvents.incrementAndGet();
            connection.send("{\"dropped\":" + lost + "}", "dropped", null, new Sent(0, () -> lossNoticeQueued.set(false)));
        }
        scheduleCheck();
    }

    private void scheduleCheck() {
        checkTimer = ioThread.executeAfter(this::check, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    private void stop() {
        follower.close();
        if (checkTimer != null) {
            checkTimer.remove();
        }
    }

    private void closeQuietly() {
        try {
            connection.close();
        } catch (java.io.IOException e) {
            log.debug("closing a log stream", e);
        }
        stop();
    }

    private static long parseSeq(String id) {
        if (id == null || id.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
