package dev.baton.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The etcd side of one lock: {@code locks/<lock>}, {@code failover/<lock>} and {@code tokens/<lock>}. Every call is one
 * transaction, bounded by {@code limit}; the callers decide what the answers mean.
 */
record LockStore(KV kv, KeySpace keys, String lock, Duration limit) {

    CompletableFuture<LockView> read() {
        return LockView.read(kv, keys, lock, limit);
    }

    /** A tenure this host took: its fencing token and the lock key's create revision. */
    record Acquired(long token, long revision) {
    }

    /**
     * Creates the lock key on {@code leaseId} with fencing token {@code token} and sets the token
     * counter to it, if nobody holds the lock and the counter is still the one read in {@code seen}.
     * Completes with the tenure, or null when another host holds the lock or the counter moved.
     */
    CompletableFuture<Acquired> tryAcquire(long leaseId, LockRecord record, LockView.TokenCounter seen) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(keys.tokens(lock), Cmp.Op.EQUAL, CmpTarget.modRevision(seen.modRevision())))
                .Then(Op.put(keys.lock(lock), ByteSequence.from(Json.write(record)),
                                PutOption.builder().withLeaseId(leaseId).build()),
                        Op.put(keys.tokens(lock), counterValue(record.token()), PutOption.DEFAULT))
                .commit();
        // The key was created at the transaction's revision.
        return EtcdCalls.within(call, limit)
                .thenApply(r -> r.isSucceeded() ? new Acquired(record.token(), r.getHeader().getRevision()) : null);
    }

    /**
     * Raises the token counter to {@code floor} if it is still the one read in {@code seen}: after
     * etcd lost its data, the next holder's token then lies above every token this host knew.
     */
    CompletableFuture<Boolean> raiseCounter(long floor, LockView.TokenCounter seen) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.tokens(lock), Cmp.Op.EQUAL, CmpTarget.modRevision(seen.modRevision())))
                .Then(Op.put(keys.tokens(lock), counterValue(floor), PutOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }

    private static ByteSequence counterValue(long token) {
        return ByteSequence.from(Long.toString(token), StandardCharsets.US_ASCII);
    }

    /**
     * Writes (or with null deletes) the failsafe member list, if the lock is still held in the tenure created
     * at {@code revision}: the list only changes while its writer holds the lock, so a campaigner's
     * transaction (lock key absent, counter unchanged) never races with it.
     */
    CompletableFuture<Boolean> writeMembers(FailsafeMembers members, long revision) {
        Op change = members == null
                ? Op.delete(keys.failsafe(lock), DeleteOption.DEFAULT)
                : Op.put(keys.failsafe(lock), ByteSequence.from(Json.write(members)), PutOption.DEFAULT);
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(revision)))
                .Then(change)
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }

    /** Deletes the lock key if it is still the one created at {@code revision}. */
    CompletableFuture<Boolean> release(long revision) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(revision)))
                .Then(Op.delete(keys.lock(lock), DeleteOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(TxnResponse::isSucceeded);
    }

    /**
     * Writes a switchover request on {@code leaseId} if the lock is still held in the tenure created
     * at {@code revision} and no other request is pending.
     */
    CompletableFuture<Boolean> request(FailoverRequest request, long revision, long leaseId) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .If(new Cmp(keys.lock(lock), Cmp.Op.EQUAL, CmpTarget.createRevision(revision)),
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
