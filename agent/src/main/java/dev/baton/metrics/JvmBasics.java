package dev.baton.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;

/**
 * The JVM basics: memory pools, GC, uptime, thread counts and CPU time, under the names
 * Micrometer's binders use, so stock JVM dashboards work. Deliberately not JvmThreadMetrics (its
 * per-state gauges read every thread's info six times per scrape) nor ProcessorMetrics (~200 KB
 * of garbage per scrape and a {@code _ns} unit): see docs/metrics.md.
 */
final class JvmBasics implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    JvmBasics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Gauge.builder("jvm.threads.live", threads, ThreadMXBean::getThreadCount).baseUnit("threads")
                .description("Live threads, daemon and non-daemon").register(registry);
        Gauge.builder("jvm.threads.peak", threads, ThreadMXBean::getPeakThreadCount).baseUnit("threads")
                .description("Peak live threads since the JVM started").register(registry);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the agent (user and system)").register(registry);
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
