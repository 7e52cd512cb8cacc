/**
 * The etcd-backed cluster: {@link dev.baton.cluster.etcd.ClusterNode} and what it drives (lease, inventory,
 * exclusive locks, switchover) on jetcd. Built into {@code baton-cluster.jar} with jetcd and its
 * gRPC/Netty/Guava/Vert.x, not into {@code baton.jar}; the agent reaches it only through
 * {@link dev.baton.cluster.Cluster#start}. Uses only the public API of {@code dev.baton.cluster}: it is
 * defined by its own class loader in a packaged install, so nothing package-private crosses over.
 */
package dev.baton.cluster.etcd;
