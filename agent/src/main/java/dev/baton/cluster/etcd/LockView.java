package dev.baton.cluster.etcd;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One consistent read of a lock: its key, its pending switchover request and its token counter, at
 * one revision.
 *
 * @param holder          the lock record, or null when the lock is free
 * @param token           the holder's fencing token, 0 when free
 * @param revision        the lock key's create revision (names this tenure in etcd's comparisons), 0 when free
 * @param holderLease     the lease the key is bound to
 * @param request         the pending switchover request, or null
 * @param requestRevision the request key's mod revision (to delete exactly that request)
 * @param counter         {@code tokens/<lock>}: the last token issued, and the key's mod revision (0, 0: absent)
 * @param etcdRevision    etcd's revision at this read: above every create revision etcd ever handed out
 * @param members         {@code failsafe/<lock>}: the members a failsafe holder asks, or null (no such key)
 */
record LockView(LockRecord holder, long token, long revision, long holderLease, FailoverRequest request,
                long requestRevision, TokenCounter counter, long etcdRevision, FailsafeMembers members) {

    /** The value of {@code tokens/<lock>} and its mod revision (for a compare-and-set). */
    record TokenCounter(long value, long modRevision) {
        static final TokenCounter ABSENT = new TokenCounter(0, 0);
    }

    boolean free() {
        return revision == 0;
    }

    String holderHost() {
        return holder == null ? null : holder.host();
    }

    /** The request, when it concerns the current tenure (or the lock is free); a request for an older tenure is void. */
    FailoverRequest activeRequest() {
        return request != null && (free() || request.token() == token) ? request : null;
    }

    /**
     * The token the next holder takes: above the counter, above this host's {@code floor} and, when
     * the counter is missing (etcd lost it, or older agents kept none), above etcd's revision, which
     * exceeds every token older agents used (their token was a create revision).
     */
    long nextToken(long floor) {
        long issued = counter.modRevision() == 0 ? etcdRevision : counter.value();
        return Math.max(Math.max(issued, floor), token) + 1;
    }

    static CompletableFuture<LockView> read(KV kv, KeySpace keys, String lock, Duration limit) {
        CompletableFuture<TxnResponse> call = kv.txn()
                .Then(Op.get(keys.lock(lock), GetOption.DEFAULT), Op.get(keys.failover(lock), GetOption.DEFAULT),
                        Op.get(keys.tokens(lock), GetOption.DEFAULT), Op.get(keys.failsafe(lock), GetOption.DEFAULT))
                .commit();
        return EtcdCalls.within(call, limit).thenApply(r -> of(r.getGetResponses(), r.getHeader().getRevision()));
    }

    private static LockView of(List<GetResponse> gets, long etcdRevision) {
        KeyValue lockKey = first(gets.get(0));
        KeyValue requestKey = first(gets.get(1));
        KeyValue counterKey = first(gets.get(2));
        LockRecord holder = null;
        long token = 0;
        long revision = 0;
        long lease = 0;
        if (lockKey != null) {
            LockRecord parsed = Json.readOrNull(lockKey.getValue().getBytes(), LockRecord.class);
            // A foreign value still blocks the lock: only its absence frees it.
            holder = parsed != null ? parsed : new LockRecord("?", "?", null, 0);
            revision = lockKey.getCreateRevision();
            token = holder.token() > 0 ? holder.token() : revision;
            lease = lockKey.getLease();
        }
        FailoverRequest request = null;
        long requestRevision = 0;
        if (requestKey != null) {
            request = Json.readOrNull(requestKey.getValue().getBytes(), FailoverRequest.class);
            requestRevision = requestKey.getModRevision();
        }
        TokenCounter counter = TokenCounter.ABSENT;
        if (counterKey != null) {
            // An unreadable counter counts as 0: the floors and etcd's revision still bound the next token.
            counter = new TokenCounter(parseOrZero(counterKey.getValue().toString(StandardCharsets.US_ASCII)),
                    counterKey.getModRevision());
        }
        KeyValue membersKey = first(gets.get(3));
        FailsafeMembers members = null;
        if (membersKey != null) {
            // Unreadable: nobody may rely on it, so it names nobody (a holder rewrites it, an operator deletes it).
            members = Json.readOrNull(membersKey.getValue().getBytes(), FailsafeMembers.class);
            members = members != null && members.hosts() != null ? members : FailsafeMembers.UNREADABLE;
        }
        return new LockView(holder, token, revision, lease, request, requestRevision, counter, etcdRevision, members);
    }

    private static long parseOrZero(String s) {
        try {
            return Math.max(0, Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static KeyValue first(GetResponse response) {
        return response.getKvs().isEmpty() ? null : response.getKvs().get(0);
    }
}
