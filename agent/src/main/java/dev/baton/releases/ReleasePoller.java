package dev.baton.releases;

import dev.baton.handover.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each group's release source on one background thread of its own (never the event loop: a
 * poll may take up to its timeout) and publishes what they said as an immutable map.
 *
 * <p>Timing: the first poll comes at once, then one every {@code interval} plus 0-10% jitter (a
 * fleet started together does not poll in step: GitHub allows 60 unauthenticated calls per hour per
 * address). After a failure the next poll comes after {@code firstRetry}, doubling with each failure
 * in a row, never later than {@code interval}: a feed that is down is asked rarely, and one that
 * comes back is read again soon.
 */
public final class ReleasePoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("dev.baton.releases");
    /** Wait after the first failure in a row (doubling after each further one). */
    static final Duration FIRST_RETRY = Duration.ofMinutes(1);

    private final ReleaseFetcher fetcher;
    private final Duration firstRetry;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "baton-releases");
        t.setDaemon(true);
        return t;
    });
    /** Poller thread only. */
    private final Map<String, Tracked> tracked = new HashMap<>();
    /** Group name to its source's last word; replaced whole after each poll, read by any thread. */
    private volatile Map<String, PublishedRelease> published = Map.of();

    private static final class Tracked {
        final ReleaseSource source;
        PublishedRelease state;
        String etag; // the last answer's, sent back as If-None-Match; null: none
        ScheduledFuture<?> next;

        Tracked(ReleaseSource source) {
            this.source = source;
            this.state = PublishedRelease.notYetPolled(source);
        }
    }

    public ReleasePoller(String userAgent) {
        this(userAgent, FIRST_RETRY);
    }

    ReleasePoller(String userAgent, Duration firstRetry) {
        this.fetcher = new ReleaseFetcher(userAgent);
        this.firstRetry = firstRetry;
    }

    /**
     * The groups to watch (group name to source), replacing the previous set: an unchanged source
     * keeps its state and schedule, a new or changed one is polled at once, a removed one is dropped.
     */
    public void watch(Map<String, ReleaseSource> sources) {
        Map<String, ReleaseSource> copy = Map.copyOf(sources);
        thread.execute(() -> {
            tracked.entrySet().removeIf(e -> {
                boolean gone = !Objects.equals(copy.get(e.getKey()), e.getValue().source);
                if (gone) {
                    e.getValue().next.cancel(false);
                }
                return gone;
            });
            copy.forEach((group, source) -> tracked.computeIfAbsent(group, g -> {
                Tracked t = new Tracked(source);
                t.next = thread.schedule(() -> poll(group, t), 0, TimeUnit.MILLISECONDS);
                return t;
            }));
            publish();
        });
    }

    /** Each watched group's last word (absent: the group names no source). */
    public Map<String, PublishedRelease> published() {
        return published;
    }

    private void poll(String group, Tracked t) {
        if (tracked.get(group) != t) {
            return; // dropped by watch() meanwhile
        }
        Duration delay;
        try {
            ReleaseFetcher.Answer answer = fetcher.poll(t.source, t.etag);
            Version newest = answer.unchanged() ? t.state.newest() : answer.newest();
            t.etag = answer.etag();
            if (!Objects.equals(newest, t.state.newest())) {
                log.info("{}: newest published release {} ({})", group, newest == null ? "none" : newest,
                        t.source.describe());
            }
            t.state = t.state.succeeded(newest, Instant.now());
            delay = jittered(t.source.interval());
        } catch (FeedException | RuntimeException e) {
            String why = e instanceof FeedException ? e.getMessage() : "unexpected: " + e;
            if (t.state.failures() == 0) {
                log.warn("{}: release source {} failed: {}", group, t.source.describe(), why);
            }
            t.state = t.state.failed(why);
            delay = retryDelay(t.state.failures(), t.source.interval());
        }
        publish();
        t.next = thread.schedule(() -> poll(group, t), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code firstRetry * 2^(failures-1)}, at most {@code interval}. */
    Duration retryDelay(int failures, Duration interval) {
        int doublings = Math.min(failures - 1, 20); // 2^20 minutes is beyond any interval: no overflow
        Duration d = firstRetry.multipliedBy(1L << Math.max(doublings, 0));
        return d.compareTo(interval) > 0 ? interval : d;
    }

    private static Duration jittered(Duration interval) {
        return interval.plusMillis(ThreadLocalRandom.current().nextLong(interval.toMillis() / 10 + 1));
    }

    private void publish() {
        Map<String, PublishedRelease> m = new HashMap<>();
        tracked.forEach((group, t) -> m.put(group, t.state));
        published = Map.copyOf(m);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
