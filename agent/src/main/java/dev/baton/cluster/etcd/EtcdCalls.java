package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers around jetcd's futures: our own time limits, error classification, messages. */
final class EtcdCalls {
    private EtcdCalls() {
    }

    /**
     * A future that fails after {@code limit}. A copy is timed out, not jetcd's own future, so jetcd's
     * cleanup callbacks still run when the call ends on its own.
     */
    static <T> CompletableFuture<T> within(CompletableFuture<T> call, Duration limit) {
        return call.thenApply(r -> r).orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for a call on the caller's thread (API threads), bounded, with our exception. */
    static <T> T await(CompletableFuture<T> call, Duration limit, String what) {
        try {
            return within(call, limit).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new ClusterException(what + ": " + describe(e.getCause()), e.getCause());
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** etcd answered that the lease does not exist (expired or revoked). */
    static boolean leaseNotFound(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND) {
            return true;
        }
        String message = cause.getMessage();
        return message != null && message.contains("requested lease not found");
    }

    static String describe(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof TimeoutException) {
            return "no answer from etcd in time";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
