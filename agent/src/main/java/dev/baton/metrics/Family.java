package dev.baton.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Instant;

/**
 * One metric family filled at scrape time: a name, a help text, then one sample per label set.
 */
abstract sealed class Family permits Family.Gauge, Family.Counter, Family.Info {
    private Family() {
    }

    abstract MetricSnapshot build();

    /** Unix seconds with sub-second precision, the Prometheus convention for timestamps. */
    static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    static final class Gauge extends Family {
        private final GaugeSnapshot.Builder builder;

        Gauge(String name, String help) {
            builder = GaugeSnapshot.builder().name(name).help(help);
        }

        Gauge add(double value, Labels labels) {
            builder.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
            return this;
        }

        Gauge add(boolean value, Labels labels) {
            return add(value ? 1 : 0, labels);
        }

        @Override
        MetricSnapshot build() {
            return builder.build();
        }
    }

    /** {@code name} without {@code _total}: the exposition adds it. */
    static final class Counter extends Family {
        private final CounterSnapshot.Builder builder;

        Counter(String name, String help) {
            builder = CounterSnapshot.builder().name(name).help(help);
        }

        Counter add(double value, Labels labels) {
            builder.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(value).build());
            return this;
        }

        @Override
        MetricSnapshot build() {
            return builder.build();
        }
    }

    /** Info-style (value 1, the labels carry the information); {@code name} without {@code _info}. */
    static final class Info extends Family {
        private final InfoSnapshot.Builder builder;

        Info(String name, String help) {
            builder = InfoSnapshot.builder().name(name).help(help);
        }

        Info add(Labels labels) {
            builder.dataPoint(new InfoDataPointSnapshot(labels));
            return this;
        }

        @Override
        MetricSnapshot build() {
            return builder.build();
        }
    }
}
