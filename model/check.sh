#!/bin/sh
# Checks model/lock.pml exhaustively with spin (see its header for the configurations). Exits 0 when
# every property holds and the two known-bad variants still fail (a model that finds nothing is
# suspect). Needs spin and a C compiler: Debian `apt-get install spin gcc`. Called by
# dev.baton.cluster.etcd.ExclusiveLockModelTest; ~40-90 s on a loaded 2-core machine, < 600 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for tool in spin gcc; do
    if ! command -v "$tool" >/dev/null; then
        echo "check.sh: $tool not found (Debian: apt-get install spin gcc)" >&2
        exit 2
    fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/lock.pml" "$work/"
cd "$work"
failed=0

# check NAME EXPECT(holds|fails) CLAIM PAN_CFLAGS SPIN_DEFINES...
check() {
    name=$1 expect=$2 claim=$3 cflags=$4
    shift 4
    rm -f pan pan.* lock.pml.trail
    spin -a "$@" lock.pml >spin.out 2>&1 || { cat spin.out; echo "$name: spin failed"; failed=1; return; }
    gcc -O2 -DMEMLIM=1024 $cflags -o pan pan.c 2>gcc.out || { cat gcc.out; echo "$name: gcc failed"; failed=1; return; }
    ./pan -m2000000 -w24 -N "$claim" $([ -z "${cflags##*SAFETY*}" ] || echo -a) >pan.out 2>&1 || true
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out)
    if grep -q "errors: 0" pan.out && ! grep -qE "Search not completed|out of memory|max search depth too small" pan.out; then
        result=holds
    elif grep -qE "assertion violated|acceptance cycle" pan.out; then
        result=fails
    else
        cat pan.out
        echo "$name: pan did not finish the search"
        failed=1
        return
    fi
    if [ "$result" = "$expect" ]; then
        echo "ok   $name: $claim $result ($states states)"
    else
        echo "FAIL $name: $claim $result, expected it $expect"
        [ "$result" = fails ] && spin -t "$@" lock.pml | grep -E "tick:|assert" | tail -20
        failed=1
    fi
}

check "mutual exclusion" holds neverTwoLive "-DSAFETY"
check "fencing tokens" holds neverTwoLive "-DSAFETY" -DTOKENS
check "liveness" holds someoneRunsOnceCalm "" -DLIVENESS
check "old quiet period" fails neverTwoLive "-DSAFETY" -DOLD_QUIET
check "tokens across data loss" fails neverTwoLive "-DSAFETY" -DTOKENS -DSTRICT
check "failsafe" holds neverTwoLive "-DSAFETY" -DFAILSAFE
check "failsafe liveness" holds someoneRunsOnceCalm "" -DFAILSAFE -DLIVENESS
check "failsafe, promise dropped on etcd's return" fails neverTwoLive "-DSAFETY" -DFAILSAFE -DBROKEN_PROMISE
check "failsafe, re-take counting on a lease without its key" fails neverTwoLive "-DSAFETY" -DFAILSAFE -DRETAKE_ON_ANY_LEASE
# By hand (10 M states before the violation, too slow here): -DFAILSAFE -DLONG_PROMISE fails neverTwoLive.
exit $failed
