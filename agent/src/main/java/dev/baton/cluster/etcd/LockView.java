package dev.baton.cluster.etcd;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One consistent read of a lock: its key and its pending switchover request, at one revision.
 *
 * @param holder          the lock record, or null when the lock is free
 * @param token           the key's create revision (the fencing token), 0 when free
 * @param holderLease     the lease the key is bound to
 * @param request         the pending switchover request, or null
 * @param requestRevision the request key's mod revision (to delete exactly that request)
 */
record LockView(LockRecord holder, long token, long holderLease, FailoverRequest request, long requestRevision) {

    boolean free() {
        return token == 0;
    }

    String holderHost() {
        return holder == null ? null : holder.host();
    }

    /** The request, when it concerns the current tenure (or the lock is free); a request for an older tenure is void. */
    FailoverRequest activeRequest() {
        return request != null && (free() || request.token() == token) ? request : null;
    }

    static CompletableFuture<LockView> read(KV kv, KeySpace keys, String lock, Duration limit) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .Then(Op.get(keys.lock(lock), GetOption.DEFAULT), Op.get(keys.failover(lock), GetOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(r -> of(r.getGetResponses()));
    }

    private static LockView of(List<GetResponse> gets) {
        KeyValue lockKey = first(gets.get(0));
        KeyValue requestKey = first(gets.get(1));
        LockRecord holder = null;
        long token = 0;
        long lease = 0;
        if (lockKey != null) {
            LockRecord parsed = Json.readOrNull(lockKey.getValue().getBytes(), LockRecord.class);
            // A foreign value still blocks the lock: only its absence frees it.
            holder = parsed != null ? parsed : new LockRecord("?", "?", null);
            token = lockKey.getCreateRevision();
            lease = lockKey.getLease();
        }
        FailoverRequest request = null;
        long requestRevision = 0;
        if (requestKey != null) {
            request = Json.readOrNull(requestKey.getValue().getBytes(), FailoverRequest.class);
            requestRevision = requestKey.getModRevision();
        }
        return new LockView(holder, token, lease, request, requestRevision);
    }

    private static KeyValue first(GetResponse response) {
        return response.getKvs().isEmpty() ? null : response.getKvs().get(0);
    }
}
