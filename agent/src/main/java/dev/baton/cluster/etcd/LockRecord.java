package dev.baton.cluster.etcd;

/**
 * The value of {@code locks/<lock>}: who holds it. The key's create revision is the fencing token and
 * its lease is the holder's lease; neither is repeated here.
 *
 * @param host       the holder
 * @param program    the exclusive program it runs
 * @param acquiredAt holder's wall clock, informative only
 */
record LockRecord(String host, String program, String acquiredAt) {
}
