package dev.baton.metrics;

import dev.baton.control.AgentStatus.EngineStatus;
import dev.baton.control.AgentStatus.GroupStatus;
import dev.baton.metrics.Family.Gauge;
import dev.baton.handover.Role;
import dev.baton.metrics.Family.Info;
import dev.baton.releases.PublishedRelease;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.List;

/**
 * The engine-group families ({@code baton_group_*}, {@code baton_engine_role}) and the software
 * inventory ({@code baton_version_info}), built from one status snapshot.
 */
final class GroupMetrics {
    /** Every role gets a series (0 or 1), so a role change is a value change, not a series appearing. */
    private static final Role[] ROLES = Role.values();

    private final Info release = new Info("baton_group_release",
            "The chain's current release as the group's engines last reported it; absent until seen");
    private final Info active = new Info("baton_group_active",
            "Version of the group's active engine; absent when no engine is active");
    private final Info next = new Info("baton_group_next",
            "The newest version waiting for a future release (an installed engine, or the one a 1.4+ runner carries); in a sequential group"
                    + " the one the next halt starts; absent when none");
    private final Gauge upgradeReady = new Gauge("baton_group_upgrade_ready",
            "1 when an engine newer than the release is installed and waiting for the next release");
    private final Gauge lastHandover = new Gauge("baton_group_last_handover_time_seconds",
            "Unix time of the group's last handover (a superseded engine idled, or a runner switched to its new engine); absent when it never had one");
    private final Gauge error = new Gauge("baton_group_error",
            "1 when the group has a condition that needs an operator (reason label), else 0");
    private final Gauge role = new Gauge("baton_engine_role",
            "1 for the engine's current role in its group, 0 for the other roles");
    private final Info published = new Info("baton_group_release_published",
            "Newest engine release the group's release source publishes; absent without a source or before its first answer");
    private final Gauge publishedReady = new Gauge("baton_group_release_published_ready",
            "1 when an engine of the newest published release (or newer) is ACTIVE, SYNCING or WAITING; absent until the source named one");
    private final Gauge publishedChecked = new Gauge("baton_group_release_checked_time_seconds",
            "Unix time the group's release source last answered; absent until it did");
    private final Gauge publishedFailing = new Gauge("baton_group_release_source_failing",
            "1 when the last poll of the group's release source failed (the API's published.problem says why)");
    private final Info inventory = new Info("baton_version",
            "Software inventory: one series per engine program with a known version");

    private final LabelCache labels;

    private GroupMetrics(LabelCache labels) {
        this.labels = labels;
    }

    static List<Family> collect(List<GroupStatus> groups, LabelCache labels) {
        GroupMetrics m = new GroupMetrics(labels);
        groups.forEach(m::add);
        return List.of(m.release, m.active, m.next, m.upgradeReady, m.lastHandover, m.error, m.role, m.inventory,
                m.published, m.publishedReady, m.publishedChecked, m.publishedFailing);
    }

    private void add(GroupStatus g) {
        String name = g.name();
        String profile = g.profile();
        if (g.release() != null) {
            release.add(labels.of("group", name, "profile", profile, "version", g.release()));
        }
        if (g.active() != null) {
            active.add(labels.of("group", name, "profile", profile, "version", g.active()));
        }
        if (g.next() != null) {
            next.add(labels.of("group", name, "profile", profile, "version", g.next()));
        }
        Labels group = labels.of("group", name, "profile", profile);
        upgradeReady.add(g.upgradeReady(), group);
        if (g.lastHandover() != null) {
            lastHandover.add(Family.seconds(g.lastHandover()), group);
        }
        error.add(g.error() != null, labels.of("group", name, "profile", profile, "reason", g.error()));
        for (EngineStatus e : g.engines()) {
            addEngine(name, e);
        }
        addPublished(g, group);
    }

    private void addPublished(GroupStatus g, Labels group) {
        PublishedRelease p = g.published();
        if (p == null) {
            return;
        }
        if (p.newest() != null) {
            published.add(labels.of("group", g.name(), "profile", g.profile(), "version", p.newest().toString()));
            publishedReady.add(g.publishedReady(), group);
        }
        if (p.checkedAt() != null) {
            publishedChecked.add(Family.seconds(p.checkedAt()), group);
        }
        publishedFailing.add(p.problem() != null, group);
    }

    private void addEngine(String group, EngineStatus e) {
        for (Role r : ROLES) {
            role.add(r.name().equals(e.role()), roleLabels(group, e, r.name()));
        }
        if (e.version() != null) {
            inventory.add(labels.of("group", group, "program", e.program(), "version", e.version()));
        }
    }

    private Labels roleLabels(String group, EngineStatus e, String role) {
        return labels.of("group", group, "program", e.program(), "version", e.version(), "role", role);
    }
}
