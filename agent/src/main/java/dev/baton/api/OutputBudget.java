package dev.baton.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of output the API holds for clients that have not read them yet (responses being
 * written, log-stream events queued), bounded per connection and in total. When the total is
 * reached, the output that does not fit is refused (a 503, a dropped event) and the connection that
 * has waited longest without taking anything (the slowest) is cut to make room: a client that reads
 * promptly holds its bytes for milliseconds, so it is never the one cut, and clients that never
 * read cannot together hold more than {@link #total()} of the heap.
 */
final class OutputBudget {
    private final long total;
    private final long perConnection;
    private final List<Account> accounts = new ArrayList<>();
    private long used;
    private long cuts;

    OutputBudget(long total, long perConnection) {
        this.total = total;
        this.perConnection = perConnection;
    }

    /** One connection's share; {@code cut} closes that connection (from any thread, without blocking). */
    synchronized Account open(Runnable cut) {
        Account a = new Account(cut);
        accounts.add(a);
        return a;
    }

    long total() {
        return total;
    }

    long perConnection() {
        return perConnection;
    }

    synchronized long used() {
        return used;
    }

    /** Connections cut so far to make room. */
    synchronized long cuts() {
        return cuts;
    }

    /** One connection's bytes. */
    final class Account {
        private final Runnable cut;
        private long held;
        /** When this account last took bytes from empty or had bytes read (nanoTime). */
        private long progressAt;
        private long lastResponse;
        private boolean cutting;
        private boolean closed;

        private Account(Runnable cut) {
            this.cut = cut;
        }

        /**
         * Takes {@code bytes} for output about to be queued. When the total is reached, nothing is
         * taken and the slowest other connection is cut: its bytes are free once it has closed.
         *
         * @return false (nothing taken) when this connection would hold more than its share, when it
         *         is closed, or when the total is reached
         */
        boolean reserve(long bytes) {
            return take(bytes, true);
        }

        /**
         * Whether {@link #reserve} could take {@code bytes} now, taking nothing (when the total is
         * reached, the slowest connection is cut all the same): a check before building output
         * that would be refused anyway.
         */
        boolean hasRoomFor(long bytes) {
            return take(bytes, false);
        }

        private boolean take(long bytes, boolean reserve) {
            Account slowest;
            synchronized (OutputBudget.this) {
                if (closed || held + bytes > perConnection) {
                    return false;
                }
                if (used + bytes <= total) {
                    if (!reserve) {
                        return true;
                    }
                    if (held == 0) {
                        progressAt = System.nanoTime();
                    }
                    held += bytes;
                    used += bytes;
                    return true;
                }
                // Full: the slowest connection is closed, and its bytes count until it is (what it
                // holds is on the heap until then); this request is refused meanwhile.
                slowest = slowestOtherThan(this);
                if (slowest != null) {
                    slowest.cutting = true;
                    cuts++;
                }
            }
            if (slowest != null) {
                slowest.cut.run();
            }
            return false;
        }

        /** {@code bytes} were written to the client (or dropped): they no longer count. */
        void release(long bytes) {
            synchronized (OutputBudget.this) {
                if (closed) {
                    return;
                }
                long n = Math.min(bytes, held);
                held -= n;
                used -= n;
                progressAt = System.nanoTime();
            }
        }

        /**
         * A response of {@code bytes} (reserved) went out. Undertow keeps it on the heap until the
         * connection's next request or its end, so it counts until then ({@link #nextRequest}).
         */
        void responseSent(long bytes) {
            synchronized (OutputBudget.this) {
                lastResponse += bytes;
            }
        }

        /** A new request on the connection: the previous response is no longer held. */
        void nextRequest() {
            long bytes;
            synchronized (OutputBudget.this) {
                bytes = lastResponse;
                lastResponse = 0;
            }
            if (bytes > 0) {
                release(bytes);
            }
        }

        /** The connection closed: everything it held is free. */
        void close() {
            synchronized (OutputBudget.this) {
                if (!closed) {
                    closed = true;
                    used -= held;
                    held = 0;
                    accounts.remove(this);
                }
            }
        }
    }

    /** The account holding bytes that has made no progress for the longest time; null if none. */
    private Account slowestOtherThan(Account self) {
        Account slowest = null;
        for (Account a : accounts) {
            if (a != self && a.held > 0 && !a.cutting && (slowest == null || a.progressAt - slowest.progressAt < 0)) {
                slowest = a;
            }
        }
        return slowest;
    }
}
