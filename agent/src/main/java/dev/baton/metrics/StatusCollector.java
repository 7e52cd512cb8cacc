package dev.baton.metrics;

import dev.baton.control.AgentStatus;
import dev.baton.control.Control;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds baton's own samples at scrape time from one {@link Control#status()} snapshot: every
 * family is consistent with the others, programs and groups that come and go with reloads need no
 * meter bookkeeping, and nothing is kept between scrapes.
 */
final class StatusCollector implements MultiCollector {
    private final Control control;
    private final LabelCache labels = new LabelCache();

    StatusCollector(Control control) {
        this.control = control;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        AgentStatus status = control.status();
        labels.nextScrape();
        List<Family> families = new ArrayList<>(20);
        families.addAll(AgentMetrics.collect(status, labels));
        families.addAll(ProgramMetrics.collect(status.programs(), control::log, labels));
        families.addAll(GroupMetrics.collect(status.groups(), labels));
        families.addAll(BinaryMetrics.collect(status, labels));
        control.cluster().ifPresent(cluster -> families.addAll(ClusterMetrics.collect(cluster, labels)));
        List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        for (Family f : families) {
            snapshots.add(f.build());
        }
        return new MetricSnapshots(snapshots);
    }
}
