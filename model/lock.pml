/*
 * baton's exclusive lock (lease, lock, fence, switchover, fencing token) as a Promela model.
 * The prose argument is in docs/cluster.md; run it with model/check.sh (JUnit: ExclusiveLockModelTest).
 *
 * Names: the roles are LockRole's constants, and every inline but the model_* ones (the round, the
 * environment) carries the name of the Java method (LeaseKeeper, ExclusiveLock,
 * ExclusiveProgramControl) whose effect it models; ExclusiveLockModelTest fails when such a name no
 * longer exists in the code, or when a LockRole constant is missing here.
 *
 * Configurations (model/check.sh runs them all, exhaustively):
 *   (none)          neverTwoLive with every fault: cuts, lost answers, slow calls, switchovers,
 *                   one etcd data loss, one host death
 *   -DTOKENS        the same (no death) with fencing tokens: they grow while etcd keeps its data
 *   -DLIVENESS      someoneRunsOnceCalm: once the faults stop, one host runs the program for good
 *   -DOLD_QUIET     the quiet period as it was (first lease only): must FAIL neverTwoLive
 *   -DTOKENS -DSTRICT  tokens grow across a data loss too: must FAIL (the limit in docs/cluster.md)
 *   -DFAILSAFE      neverTwoLive with failsafe (Failsafe, ExclusiveLock.failsafeRound): a holder that hears
 *                   nothing from etcd asks its peer, which promises (for one ttl) not to campaign when it
 *                   hears nothing either; the holder runs past its lease on the promise and keeps its lease
 *                   (retained); extra faults: cuts between the hosts, a standby agent's restart (its promise
 *                   forgotten), etcd's restart (leases restored with a fresh ttl)
 *                   (a data loss and etcd's restart only with -DFAILSAFE_ALL: 13 M states, ~2.5 GB, by hand)
 *   -DFAILSAFE -DLIVENESS  someoneRunsOnceCalm with failsafe
 *                   A holder whose lease etcd expired meanwhile (everyone cut from an etcd that stayed up)
 *                   keeps running and takes its key back on a new lease while the promises last (retake)
 *   -DFAILSAFE -DBROKEN_PROMISE  a member forgets its promise as soon as it hears from etcd: must FAIL
 *   -DFAILSAFE -DRETAKE_ON_ANY_LEASE  a re-taking holder counts on its new lease before its key is on it: must FAIL
 *   -DFAILSAFE -DLONG_PROMISE    a promise longer than the quiet period (a restart forgets it): FAILS
 *                                (checked by hand: 10 M states before the violation)
 *
 * Time is discrete. A round: every live host takes one step (in any order), then the environment may
 * inject one fault, then one tick passes. Within its step a host does what the code does at that
 * instant: renew or grant its lease, then act on the lock. What the code guarantees by timers on the
 * monotonic clock (the fence fires at deadline - fence budget, a stop ends within stop_timeout) is a
 * step the host cannot skip; everything else (a renewal, a campaign) a host may fail to do in a round
 * (a lost answer, a slow call), until the environment calms down for good (for liveness).
 */

#define N        2
#define NOBODY   255
#define TTL      4   /* lease_ttl */
#define STOP     1   /* stop_timeout */
#define FENCE    2   /* fenceBudget = stop_timeout + fence_margin (margin 1) */
#define RENEW    1   /* renew_interval */
#ifdef TOKENS
#define MAXTOKEN 2   /* bounds the state space: no campaign beyond this token */
#define CAN_ISSUE (calm || counter < MAXTOKEN)
#else
#define CAN_ISSUE 1
#endif
#ifdef FAILSAFE
#define NOT_PROMISED(h) (promised[h] == 0)     /* ExclusiveLock.campaignObstacle: a promise keeps it out */
#else
#define NOT_PROMISED(h) 1
#endif

mtype = { INITIALIZING, STANDBY, CAMPAIGNING, STARTING, HOLDER, DEMOTING };

/* etcd */
byte keyHolder = NOBODY;  /* locks/<lock>: the holder, or NOBODY */
bit  keyOnCurrent;        /* ... bound to the holder's current lease (not one it gave up) */
byte keyLeft;             /* ... which etcd expires in this many ticks */
#ifdef TOKENS
byte keyToken;            /* the fencing token in the lock record */
byte counter;             /* tokens/<lock> */
#endif
byte etcdLeft[N];         /* etcd's view of each host's current lease: ticks left, 0 = unknown */

/* hosts */
mtype role[N];
bit   running[N];         /* a process of the exclusive program exists */
bit   conn[N];            /* the host reaches etcd */
bit   dead[N];
byte  left[N];            /* LeaseKeeper's local deadline: ticks left, 0 = no lease (tenure == null) */
byte  quiet[N];           /* quietRemaining */
#ifdef OLD_QUIET
bit   firstLease[N];
#endif
#ifdef TOKENS
byte  floor[N];           /* FencingFloor, on disk: survives everything */
#endif
bit   releaseAfterExit[N];
byte  stopLeft[N];        /* ticks until the stop must have completed (stop_timeout) */
bit   acted[N];
#ifdef FAILSAFE
byte  promised[N];        /* Failsafe.promisedUntilNanos: ticks this host still may not campaign */
byte  confirmed[N];       /* Failsafe.confirmedUntilNanos: ticks of the peer's promise the holder counts on */
bit   retained[N];        /* LeaseKeeper.retainWhile: the lease is kept past its local deadline */
bit   retaking[N];        /* ExclusiveLock.retaking: lease lost on promises, the program runs, the key is taken back */
/* LeaseKeeper.etcdSilence >= the bound: no renewal or grant confirmed in the last round (a confirmation
 * sets left to TTL, the tick takes one off). A restarted agent counts as silent at once (the code counts
 * from its start): more promises than the code gives, so safety here covers the code. */
#define SILENT(h) (left[h] < TTL - 1)
bit   peerLink = 1;       /* the hosts reach each other over the peer channel */
#ifdef LIVENESS
byte  restarts = 0;
#else
byte  restarts = 1;       /* a standby's agent may restart this often */
#endif
#if defined(FAILSAFE_ALL) || defined(LIVENESS)
byte  etcdRestarts = 1;   /* etcd may restart this often (leases restored with a fresh ttl): it only */
#else                     /* lengthens leases, so the safety run leaves it to -DFAILSAFE_ALL */
byte  etcdRestarts = 0;
#endif
#ifdef RETAKE_ON_ANY_LEASE
/* wrong: a holder re-taking its lock counts on its new lease before the key is on it: must FAIL */
#define DEADLINE(h) (left[h] > confirmed[h] -> left[h] : confirmed[h])
#else
/* ExclusiveLock.deadlineNanos: the lease counts only when the key is on it (not while re-taking) */
#define DEADLINE(h) (retaking[h] -> confirmed[h] : (left[h] > confirmed[h] -> left[h] : confirmed[h]))
#endif
#ifdef LONG_PROMISE
#define PROMISE (2 * TTL)         /* longer than the quiet period after a grant: a restart breaks it */
#else
#define PROMISE TTL               /* the promise is one lease ttl, as long as the quiet period */
#endif
#define NOT_RETAKING(h) !retaking[h]
#define RETAKES_GONE_KEY(h) (keyHolder == NOBODY && confirmed[h] > FENCE)
#else
#define RETAKES_GONE_KEY(h) 0
#define DEADLINE(h) left[h]
#define NOT_RETAKING(h) 1
#endif

/* environment */
bit  calm;                /* no more faults from here on (liveness) */
#if defined(FAILSAFE) && !defined(FAILSAFE_ALL)
byte wipes = 0;           /* failsafe: checked with a data loss only in the long run (-DFAILSAFE_ALL) */
#else
byte wipes = 1;           /* etcd may lose all its data this often */
#endif
#if defined(TOKENS) || defined(FAILSAFE)
byte crashes = 0;         /* the token and failsafe runs leave deaths out: a death is a cut that never heals, */
                          /* and a standby's restart (failsafe) forgets more than a death does */
#else
byte crashes = 1;         /* a host may die this often */
#endif
#ifdef TOKENS
byte lastStarted;         /* the token the program last started with, anywhere (ghost) */
bit  dataLost;            /* ghost: etcd lost its data at least once */
#endif

ltl neverTwoLive { [] !(running[0] && running[1]) }
#ifdef LIVENESS
ltl someoneRunsOnceCalm { <> calm -> <> [] (running[0] || running[1]) }
#endif

inline demote(h, release) {
    role[h] = DEMOTING;
    releaseAfterExit[h] = release;
    stopLeft[h] = STOP
#ifdef FAILSAFE
    ; retaking[h] = 0
#endif
}

inline leaseLost(h) {
    if
#ifdef FAILSAFE
    /* (the code also wants a renew interval to spare, time for the new lease: the model re-takes in more
     * cases than the code does, so safety here covers the code) */
    :: role[h] == HOLDER && !retaking[h] && confirmed[h] > FENCE -> retaking[h] = 1   /* keeps running */
    :: role[h] == HOLDER && retaking[h] -> skip  /* not the key's lease (keyLease): the fence still runs */
    :: (role[h] == STARTING || role[h] == HOLDER) && !retaking[h] && !(role[h] == HOLDER && confirmed[h] > FENCE) ->
        demote(h, 0)
#else
    :: role[h] == STARTING || role[h] == HOLDER -> demote(h, 0)
#endif
    :: role[h] == CAMPAIGNING -> role[h] = STANDBY
    :: else -> skip
    fi
}

inline lose(h) {
    left[h] = 0;
#ifdef FAILSAFE
    retained[h] = 0;
#endif
    if                    /* abandoned: revoked at the next grant */
    :: keyHolder == h -> keyOnCurrent = 0
    :: else -> skip
    fi;
    leaseLost(h)
}

inline revokeAbandoned(h) {
    if
    :: keyHolder == h && !keyOnCurrent -> keyHolder = NOBODY
    :: else -> skip
    fi
}

inline grant(h) {
    etcdLeft[h] = TTL;
    left[h] = TTL;
#ifdef OLD_QUIET
    /* before the model: quiet only after the first lease (and after "lease not found", below) */
    if
    :: firstLease[h] -> quiet[h] = TTL; firstLease[h] = 0
    :: else -> skip
    fi;
#else
    /* etcd may have lost a holder's key before answering: quiet one ttl from the answer */
    quiet[h] = TTL;
#endif
    revokeAbandoned(h)
}

inline renew(h) {
    if
    :: etcdLeft[h] == 0 ->
#ifdef OLD_QUIET
        quiet[h] = TTL;
#endif
        lose(h)                                   /* "lease not found" */
    :: else ->
        etcdLeft[h] = TTL;
        if
        :: keyHolder == h && keyOnCurrent -> keyLeft = TTL
        :: else -> skip
        fi;
        if
        :: left[h] = TTL                          /* the answer arrived */
#ifdef FAILSAFE
            ; retained[h] = 0
#endif
        :: !calm -> skip                          /* etcd renewed, the answer was lost */
        fi
    fi
}

/* ExclusiveLock.keepFloor: tokens seen raise the floor; a counter below it is raised back */
inline keepFloor(h) {
#ifdef TOKENS
    if
    :: keyHolder != NOBODY && keyToken > floor[h] -> floor[h] = keyToken
    :: else -> skip
    fi;
    if
    :: counter > floor[h] -> floor[h] = counter
    :: counter < floor[h] -> counter = floor[h]   /* raiseCounter */
    :: else -> skip
    fi
#else
    skip
#endif
}

inline beginHolding(h) {
    if
    :: left[h] <= FENCE -> keyHolder = NOBODY; role[h] = STANDBY   /* release */
#ifdef TOKENS
    :: left[h] > FENCE && keyToken < floor[h] ->                    /* refuseBelowFloor */
        keyHolder = NOBODY; role[h] = STANDBY
    :: left[h] > FENCE && keyToken >= floor[h] ->
        floor[h] = keyToken;
        if                                      /* the token the program is started with */
        :: !dataLost -> assert(keyToken > lastStarted)   /* grows while etcd keeps its data */
#ifdef STRICT
        :: dataLost -> assert(keyToken > lastStarted)
#endif
        :: else -> skip
        fi;
        lastStarted = keyToken;
        role[h] = STARTING
#else
    :: left[h] > FENCE -> role[h] = STARTING
#endif
    fi
}

inline campaign(h) {
#ifdef TOKENS
    t = (counter > floor[h] -> counter : floor[h]) + 1;
    counter = t;
    keyToken = t;
#endif
    keyHolder = h;
    keyOnCurrent = 1;
    keyLeft = etcdLeft[h];
    if
    :: beginHolding(h)
    :: !calm -> role[h] = CAMPAIGNING            /* the answer was lost: the next read adopts the key */
    fi
#ifdef TOKENS
    ; t = 0
#endif
}

/* the program starts (ExclusiveProgramControl.start) */
inline start(h) {
    running[h] = 1;
    role[h] = HOLDER;
}

inline stopUntilExited(h) {
    running[h] = 0;
    if
    :: releaseAfterExit[h] && conn[h] && keyHolder == h && keyOnCurrent -> keyHolder = NOBODY
    :: else -> skip
    fi;
    role[h] = STANDBY
}

#ifdef FAILSAFE
/*
 * Failsafe.promise: peer p answers holder h; it promises only when it hears nothing from etcd either, and
 * only as a standby. (The code also wants p's last read to name h with h's token; the model leaves that
 * out: more promises, so safety here covers the code.)
 */
inline promise(p, h) {
    if
    :: !dead[p] && SILENT(p) && role[p] == STANDBY ->
        promised[p] = PROMISE;
        if
        :: confirmed[h] = PROMISE                   /* Failsafe.ask: the answer arrives, send time + ttl */
        :: !calm -> skip                        /* the answer is lost: the promise holds anyway */
        fi
    :: else -> skip                             /* refused: the holder keeps its old deadline */
    fi
}

/* ExclusiveLock.failsafeRound: a holder that hears nothing from etcd asks its peer (N = 2: one member) */
inline failsafeRound(h) {
    if
    :: (role[h] == STARTING || role[h] == HOLDER) && SILENT(h) && peerLink -> promise(1 - h, h)
    :: else -> skip
    fi
}

/* ExclusiveLock.retake: the key again, on the new lease; the program keeps running */
inline retake(h) {
#ifdef TOKENS
    t = (counter > floor[h] -> counter : floor[h]) + 1;
    counter = t;
    keyToken = t;
    t = 0;
#endif
    keyHolder = h;
    keyOnCurrent = 1;
    keyLeft = etcdLeft[h];
    if
    :: retaking[h] = 0; confirmed[h] = 0        /* adoptRetaken */
    :: !calm -> skip                            /* the answer was lost: the next read adopts the key */
    fi
}

/* ExclusiveLock.whileRetaking: the holder's lease expired in etcd while it ran on promises */
inline whileRetaking(h) {
    if
    :: keyHolder == h && keyOnCurrent -> retaking[h] = 0; confirmed[h] = 0   /* adoptRetaken: its own key */
    :: keyHolder != NOBODY && !(keyHolder == h && keyOnCurrent) -> demote(h, 0)
    :: keyHolder == NOBODY && left[h] > 0 && etcdLeft[h] > 0 && confirmed[h] > FENCE -> retake(h)
    :: keyHolder == NOBODY && !(left[h] > 0 && etcdLeft[h] > 0 && confirmed[h] > FENCE) -> skip
    :: !calm -> skip                            /* a slow read */
    fi
}

/* ExclusiveLock.runsOnPromises: the lease is retained past its deadline while this holds */
/* (not while re-taking: the loss ended the tenure, and LeaseKeeper retains only its current one) */
#define runsOnPromises(h) ((role[h] == STARTING || role[h] == HOLDER) && !retaking[h] && confirmed[h] > left[h])

/* LeaseKeeper.expireIfDue at the local deadline, and re-checked while the lease is retained */
inline expireIfDue(h) {
    if
    :: left[h] == 0 && !retained[h] && runsOnPromises(h) -> retained[h] = 1
    :: left[h] == 0 && retained[h] && !runsOnPromises(h) -> lose(h)
    :: left[h] == 0 && !retained[h] && !runsOnPromises(h) -> lose(h)
    :: else -> skip
    fi
}
#endif

/* what the lock does in this instant: the fence and the stop first, they run on timers */
inline model_lockStep(h) {
    if
    :: role[h] == DEMOTING ->
        if
        :: stopUntilExited(h)
        :: stopLeft[h] > 0 && !calm -> skip     /* still stopping */
        fi
    :: (role[h] == STARTING || role[h] == HOLDER) && DEADLINE(h) <= FENCE ->
        demote(h, left[h] > 0 && NOT_RETAKING(h))   /* checkFence */
    :: (role[h] == STARTING || role[h] == HOLDER) && DEADLINE(h) > FENCE ->
        if
        :: role[h] == STARTING -> start(h)
#ifdef FAILSAFE
        :: role[h] == HOLDER && conn[h] && retaking[h] -> whileRetaking(h)
#endif
#ifdef FAILSAFE
        :: role[h] == HOLDER && conn[h] && NOT_RETAKING(h) && keyHolder == NOBODY && confirmed[h] > FENCE ->
            retaking[h] = 1                     /* whileHolding: the key is gone while on promises */
#endif
        :: role[h] == HOLDER && conn[h] && NOT_RETAKING(h) && !(keyHolder == h && keyOnCurrent) && !RETAKES_GONE_KEY(h) ->
            demote(h, 0)                        /* whileHolding: the key is gone or replaced */
        :: role[h] == HOLDER && conn[h] && NOT_RETAKING(h) && keyHolder == h && keyOnCurrent ->
            if
            :: skip
            :: !calm -> demote(h, 1)            /* whileHolding: a switchover names this host */
            fi
        :: role[h] == HOLDER && !conn[h] -> skip
        fi
    :: (role[h] == STANDBY || role[h] == CAMPAIGNING) && !conn[h] -> skip
    :: (role[h] == STANDBY || role[h] == CAMPAIGNING) && conn[h] ->
        keepFloor(h);

        if
        :: keyHolder == h && keyOnCurrent && left[h] > 0 ->
            if
            :: role[h] == CAMPAIGNING -> beginHolding(h)   /* onView: found its own lock key */
            :: else -> keyHolder = NOBODY                  /* onView: a leftover: release */
            fi
        :: keyHolder == NOBODY && left[h] > FENCE + RENEW && quiet[h] == 0 && CAN_ISSUE && NOT_PROMISED(h) ->
            if
            :: etcdLeft[h] > 0 -> campaign(h)
            :: etcdLeft[h] == 0 -> skip         /* etcd refuses a key on a lease it does not know */
            :: !calm -> skip                    /* jitter, a slow read */
            fi
        :: else -> if
                   :: role[h] == CAMPAIGNING && keyHolder != NOBODY -> role[h] = STANDBY
                   :: else -> skip
                   fi
        fi
    fi
}

#ifdef FAILSAFE
#define HAS_LEASE(h) (left[h] > 0 || retained[h])
#else
#define HAS_LEASE(h) (left[h] > 0)
#endif

inline model_hostStep(h) {
    if
    :: conn[h] && !HAS_LEASE(h) -> grant(h)
    :: conn[h] && HAS_LEASE(h) ->
        if
        :: renew(h)
        :: !calm -> skip                        /* the call timed out */
        fi
    :: !conn[h] -> skip
    fi;
#ifdef FAILSAFE
    failsafeRound(h);
#ifdef BROKEN_PROMISE
    if :: !SILENT(h) -> promised[h] = 0 :: else -> skip fi;
#endif
#endif
    model_lockStep(h)
}

inline model_tick(h) {
#ifdef FAILSAFE
    if :: left[h] > 0 -> left[h]-- :: else -> skip fi;
    if :: confirmed[h] > 0 -> confirmed[h]-- :: else -> skip fi;
    if :: promised[h] > 0 -> promised[h]-- :: else -> skip fi;
    expireIfDue(h);
#else
    if
    :: left[h] > 0 ->
        left[h]--;
        if
        :: left[h] == 0 -> lose(h)              /* expireIfDue */
        :: else -> skip
        fi
    :: else -> skip
    fi;
#endif
    if :: etcdLeft[h] > 0 -> etcdLeft[h]-- :: else -> skip fi;
    if :: quiet[h] > 0 -> quiet[h]-- :: else -> skip fi;
    if :: stopLeft[h] > 0 -> stopLeft[h]-- :: else -> skip fi;
    acted[h] = dead[h]
}

inline model_fault() {
    if
    :: skip
#ifdef LIVENESS
    :: !calm -> calm = 1; conn[0] = 1; conn[1] = 1
#ifdef FAILSAFE
        ; peerLink = 1
#endif
#endif
#ifdef FAILSAFE
    :: !calm -> peerLink = !peerLink            /* a cut between the hosts, or its repair */
    :: !calm && restarts > 0 ->                 /* a standby's agent restarts: its promise is forgotten */
        restarts--;
        if
        :: role[0] == STANDBY -> promised[0] = 0; left[0] = 0; retained[0] = 0
        :: role[1] == STANDBY -> promised[1] = 0; left[1] = 0; retained[1] = 0
        :: else -> skip
        fi
    :: !calm && etcdRestarts > 0 ->             /* etcd restarts: its leases get a fresh ttl */
        etcdRestarts--;
        if :: etcdLeft[0] > 0 -> etcdLeft[0] = TTL :: else -> skip fi;
        if :: etcdLeft[1] > 0 -> etcdLeft[1] = TTL :: else -> skip fi;
        if :: keyHolder != NOBODY && keyOnCurrent -> keyLeft = TTL :: else -> skip fi
#endif
    :: !calm -> conn[0] = !conn[0]              /* a cut between host 0 and etcd, or its repair */
    :: !calm -> conn[1] = !conn[1]
    :: !calm && wipes > 0 ->                    /* etcd loses its data (wiped or restored) */
        wipes--;
        keyHolder = NOBODY; etcdLeft[0] = 0; etcdLeft[1] = 0;
#ifdef TOKENS
        dataLost = 1; counter = 0
#endif
    :: !calm && crashes > 0 && !dead[0] && !dead[1] ->
        crashes--;
        if
        :: dead[0] = 1; running[0] = 0; role[0] = STANDBY; left[0] = 0
        :: dead[1] = 1; running[1] = 0; role[1] = STANDBY; left[1] = 0
        fi
    fi
}

active proctype fleet() {
#ifdef TOKENS
    byte t;                                   /* campaign's new token */
#endif
    role[0] = STANDBY; role[1] = STANDBY;       /* INITIALIZING: nothing ran before the model starts */
    conn[0] = 1; conn[1] = 1;
#ifdef OLD_QUIET
    firstLease[0] = 1; firstLease[1] = 1;
#endif
    do
    :: atomic { !acted[0] -> model_hostStep(0); acted[0] = 1 }
    :: atomic { !acted[1] -> model_hostStep(1); acted[1] = 1 }
    :: atomic { acted[0] && acted[1] ->
        model_fault();
        /* etcd expires the key with its lease */
        if
        :: keyHolder != NOBODY && keyLeft <= 1 -> keyHolder = NOBODY; keyLeft = 0
        :: keyHolder != NOBODY && keyLeft > 1 -> keyLeft--
        :: else -> skip
        fi;
        model_tick(0);
        model_tick(1);
        printf("tick: key %d on %d ticks | host0 %e run %d conn %d lease %d/%d quiet %d | host1 %e run %d conn %d lease %d/%d quiet %d\n",
               keyHolder, keyLeft, role[0], running[0], conn[0], left[0], etcdLeft[0], quiet[0],
               role[1], running[1], conn[1], left[1], etcdLeft[1], quiet[1])
    }
    od
}
