package dev.baton.agent;

import dev.baton.cli.Main;
import dev.baton.config.BatonConfig;
import dev.baton.config.EngineGroupConfig;
import dev.baton.control.AgentStatus;
import dev.baton.releases.PublishedRelease;
import dev.baton.releases.ReleasePoller;
import dev.baton.releases.ReleaseSource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The groups' release sources ({@code [groups.NAME.releases]}) as the agent follows them. The poller
 * (its thread and its HTTP client, ~0.5 s and a few MB the first time) exists only once a group
 * names a source. Thread-safe: updated at start and after a reload, read by status().
 */
final class ReleaseWatch implements AutoCloseable {
    private ReleasePoller poller; // guarded by this; null until a group names a source

    synchronized void follow(BatonConfig config) {
        Map<String, ReleaseSource> sources = new TreeMap<>();
        for (EngineGroupConfig g : config.groups().values()) {
            if (g.releases() != null) {
                sources.put(g.name(), g.releases());
            }
        }
        if (poller == null && sources.isEmpty()) {
            return;
        }
        if (poller == null) {
            poller = new ReleasePoller("baton/" + Main.Version.get());
        }
        poller.watch(sources);
    }

    /** The groups with what their release source said last (unchanged when none names a source). */
    List<AgentStatus.GroupStatus> annotate(List<AgentStatus.GroupStatus> groups) {
        ReleasePoller p;
        synchronized (this) {
            p = poller;
        }
        Map<String, PublishedRelease> published = p == null ? Map.of() : p.published();
        if (published.isEmpty()) {
            return groups;
        }
        return groups.stream().map(g -> g.withPublished(published.get(g.name()))).toList();
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.close();
        }
    }
}
