package dev.baton.metrics;

import dev.baton.agent.Control;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The agent's Prometheus registry: the JVM basics through Micrometer, and baton's own
 * {@code baton_*} families read from the control's status at scrape time (docs/metrics.md).
 * One per agent; thread-safe.
 *
 * <p>A rendered scrape is reused for {@link #DEFAULT_REUSE}: Prometheus scrapes every 15 s or so,
 * but a scrape storm (several servers, a script in a loop, a benchmark) then costs one render per
 * second instead of one per request, and never competes with supervision for the CPU.
 */
public final class BatonMetrics implements AutoCloseable {
    public static final Duration DEFAULT_REUSE = Duration.ofSeconds(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmBasics jvm = new JvmBasics(registry);
    private final long reuseNanos;
    private Rendered last;

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
    public synchronized byte[] scrape() {
        long now = System.nanoTime();
        if (last == null || now - last.atNanos >= reuseNanos) {
            last = new Rendered(render(last == null ? 16 * 1024 : last.text.length), now);
        }
        return last.text;
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
