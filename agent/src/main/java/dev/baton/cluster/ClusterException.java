package dev.baton.cluster;

/** etcd could not be reached or answered with an error, or a request was refused. */
public class ClusterException extends RuntimeException {
    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
