package dev.baton.cluster;

/** One readiness probe. May block up to its own timeout; it runs on the cluster's probe thread. */
@FunctionalInterface
public interface ReadinessCheck {
    boolean ready();
}
