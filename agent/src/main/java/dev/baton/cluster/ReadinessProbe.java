package dev.baton.cluster;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one lock's readiness check on the probe thread (checks may block up to their timeout; the
 * cluster thread must not) and keeps the last answer. An answer older than two rounds (interval plus
 * the check's own timeout) counts as "not ready", so a hung probe can never let a standby campaign.
 */
public final class ReadinessProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ReadinessProbe.class);

    private final String lock;
    private final ReadinessCheck check;
    private final long maxAgeNanos;
    private volatile boolean lastAnswer;
    private volatile long answeredAtNanos;

    public ReadinessProbe(String lock, ReadinessCheck check, Duration interval, Duration checkTimeout) {
        this.lock = lock;
        this.check = check;
        this.maxAgeNanos = interval.plus(checkTimeout).toNanos() * 2;
        this.answeredAtNanos = System.nanoTime() - maxAgeNanos - 1;
    }

    public void schedule(ScheduledExecutorService probes, Duration interval) {
        probes.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean ready;
        try {
            ready = check.ready();
        } catch (RuntimeException e) {
            LOG.warn("readiness check of lock {} failed: {}", lock, e.toString());
            ready = false;
        }
        if (ready != lastAnswer) {
            LOG.info("lock {}: this host is {} to take over", lock, ready ? "ready" : "not ready");
        }
        lastAnswer = ready;
        answeredAtNanos = System.nanoTime();
    }

    public boolean ready() {
        return lastAnswer && System.nanoTime() - answeredAtNanos <= maxAgeNanos;
    }
}
