package dev.baton.logs;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

/**
 * Logs a recurring problem at most once per interval, with how many were suppressed, so a listener
 * that throws on every line cannot flood the agent's own log.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private long nextNanos;
    private boolean logged;
    private long suppressed;

    RateLimitedLog(Logger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
    }

    void warn(String message, Throwable problem) {
        long now = System.nanoTime();
        long skipped;
        synchronized (this) {
            if (logged && now - nextNanos < 0) {
                suppressed++;
                return;
            }
            logged = true;
            nextNanos = now + intervalNanos;
            skipped = suppressed;
            suppressed = 0;
        }
        if (skipped > 0) {
            log.warn("{} ({} similar messages suppressed)", message, skipped, problem);
        } else {
            log.warn(message, problem);
        }
    }
}
