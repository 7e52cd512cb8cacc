package dev.baton.cluster.etcd;

/**
 * The value of {@code locks/<lock>}: who holds it, under which fencing token. The key's lease is the
 * holder's lease and its create revision names the tenure in etcd's comparisons; neither is repeated here.
 *
 * @param host       the holder
 * @param program    the exclusive program it runs
 * @param acquiredAt holder's wall clock, informative only
 * @param token      the fencing token, written into {@code tokens/<lock>} by the same transaction; 0 in
 *                   records written by older agents, whose token was the key's create revision
 */
record LockRecord(String host, String program, String acquiredAt, long token) {
}
