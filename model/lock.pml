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

/* environment */
bit  calm;                /* no more faults from here on (liveness) */
byte wipes = 1;           /* etcd may lose all its data this often */
#ifdef TOKENS
byte crashes = 0;         /* the token run leaves deaths out: they add no new token path, only states */
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
}

inline leaseLost(h) {
    if
    :: role[h] == STARTING || role[h] == HOLDER -> demote(h, 0)
    :: role[h] == CAMPAIGNING -> role[h] = STANDBY
    :: else -> skip
    fi
}

inline lose(h) {
    left[h] = 0;
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

/* what the lock does in this instant: the fence and the stop first, they run on timers */
inline model_lockStep(h) {
    if
    :: role[h] == DEMOTING ->
        if
        :: stopUntilExited(h)
        :: stopLeft[h] > 0 && !calm -> skip     /* still stopping */
        fi
    :: (role[h] == STARTING || role[h] == HOLDER) && left[h] <= FENCE ->
        demote(h, left[h] > 0)                  /* checkFence */
    :: (role[h] == STARTING || role[h] == HOLDER) && left[h] > FENCE ->
        if
        :: role[h] == STARTING -> start(h)
        :: role[h] == HOLDER && conn[h] && !(keyHolder == h && keyOnCurrent) ->
            demote(h, 0)                        /* whileHolding: the key is gone or replaced */
        :: role[h] == HOLDER && conn[h] && keyHolder == h && keyOnCurrent ->
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
        :: keyHolder == NOBODY && left[h] > FENCE + RENEW && quiet[h] == 0 && CAN_ISSUE ->
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

inline model_hostStep(h) {
    if
    :: conn[h] && left[h] == 0 -> grant(h)
    :: conn[h] && left[h] > 0 ->
        if
        :: renew(h)
        :: !calm -> skip                        /* the call timed out */
        fi
    :: !conn[h] -> skip
    fi;
    model_lockStep(h)
}

inline model_tick(h) {
    if
    :: left[h] > 0 ->
        left[h]--;
        if
        :: left[h] == 0 -> lose(h)              /* expireIfDue */
        :: else -> skip
        fi
    :: else -> skip
    fi;
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
