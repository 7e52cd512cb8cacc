package dev.baton.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The etcd side of one lock: {@code locks/<lock>} and {@code failover/<lock>}. Every call is one
 * transaction, bounded by {@code limit}; the callers decide what the answers mean.
 */
record LockStore(KV kv, KeySpace keys, String lock, Duration limit) {

    CompletableFuture<LockView> read() {
        return LockView.read(kv, keys, lock, limit);
    }

    /**
     * Creates the lock key on {@code leaseId} if nobody holds it. Completes with the fencing token (the
     * key's create revision), or 0 when another host holds the lock.
     */
    CompletableFuture<Long> tryAcquire(long leaseId, LockRecord record) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(keys.lock(lock), ByteSequence.from(Json.write(record)),
                        PutOption.builder().withLeaseId(leaseId).build()))
                .commit();
        // One put in the transaction: the key was created at the transaction's revision.
        return EtcdCalls.within(call, limit).thenApply(r -> r.isSucceeded() ? r.getHeader().getRevision() : 0L);
    }

    /** Deletes the lock key if it is still the one created with {@code token}. */
    CompletableFuture<Boolean> release(long token) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(token)))
                .Then(Op.delete(keys.lock(lock), DeleteOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }

    /**
     * Writes a switchover request on {@code leaseId} if the lock is still held with the request's
     * token and no other request is pending.
     */
    CompletableFuture<Boolean> request(FailoverRequest request, long leaseId) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(request.token())),
                        new Cmp(keys.failover(lock), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(keys.failover(lock), ByteSequence.from(Json.write(request)),
                        PutOption.builder().withLeaseId(leaseId).build()))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }

    /** Deletes the switchover request if it is still the one at {@code revision}. */
    CompletableFuture<Boolean> deleteRequest(long revision) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.failover(lock), Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                .Then(Op.delete(keys.failover(lock), DeleteOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }
}
