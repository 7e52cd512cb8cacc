package dev.baton.metrics;

import dev.baton.control.Control;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's Prometheus registry: the JVM basics through Micrometer, and baton's own
 * {@code baton_*} families read from the control's status at scrape time (docs/metrics.md).
 * One per agent; thread-safe.
 *
 * <p>A rendered scrape is reused for {@link #DEFAULT_REUSE}: Prometheus scrapes every 15 s or so,
 * but a scrape storm (several servers, a script in a loop, a benchmark) then costs one render per
 * second instead of one per request, and never competes with supervision for the CPU. While one
 * request renders, the others get the previous render: no request waits for a render but the one
 * that makes it.
 */
public final class BatonMetrics implements AutoCloseable {
    public static final Duration DEFAULT_REUSE = Duration.ofSeconds(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmBasics jvm = new JvmBasics(registry);
    private final long reuseNanos;
    private volatile Rendered last;
    private final ReentrantLock rendering = new ReentrantLock();

    private record Rendered(byte[] text, long atNanos) {
    }

    public BatonMetrics(Control control) {
        this(control, DEFAULT_REUSE);
    }

    /** @param reuse how long one rendered scrape is served again (zero: render every time) */
    public BatonMetrics(Control control, Duration reuse) {
        this.reuseNanos = reuse.toNanos();
        registry.getPrometheusRegistry().register(new StatusCollector(control));
    }

    /**
     * Every family in the Prometheus text format 0.0.4 ({@link MetricsEndpoint#CONTENT_TYPE}).
     * The array may be shared with other callers: do not modify it.
     */
    public byte[] scrape() {
        Rendered r = last;
        if (r != null && System.nanoTime() - r.atNanos < reuseNanos) {
            return r.text;
        }
        // One thread renders; the others meanwhile serve the previous render instead of queueing behind
        // it (a render takes milliseconds: at thousands of requests/s a queue of them made the p99)
        if (r != null && !rendering.tryLock()) {
            return r.text;
        }
        if (r == null) {
            rendering.lock();
        }
        try {
            r = last;
            if (r == null || System.nanoTime() - r.atNanos >= reuseNanos) {
                byte[] text = render(r == null ? 16 * 1024 : r.text.length);
                r = new Rendered(text, System.nanoTime());
                last = r;
            }
            return r.text;
        } finally {
            rendering.unlock();
        }
    }

    /** @param expectedSize the last render's size: the buffer then never grows by copying */
    private byte[] render(int expectedSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(expectedSize + expectedSize / 8);
        try {
            registry.scrape(out, MetricsEndpoint.CONTENT_TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        jvm.close();
        registry.close();
    }
}
