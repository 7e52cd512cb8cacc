#!/bin/sh
# The container entrypoint's behaviour without a Docker engine: the launcher runs as PID 1 of a
# new PID namespace (unshare --pid --fork --mount-proc), as `docker run` would start it.
# Root only. Uses this checkout's launcher and agent/target/baton.jar (or $BATON_JAR).
#
# Checks: 1. the launcher execs java, so the JVM itself is PID 1 (no shell in between);
#         2. baton run as PID 1 reaps orphaned zombies;  3. JSON lines reach stdout intact
#         (log_mode = "raw");  4. SIGTERM (docker stop) stops it well within Docker's 10 s grace
#         period, with exit code 0 or 143;  5. exit_on_fatal: a program that keeps failing with
#         code 3 makes baton exit with 3;  6. with /tmp and the working directory read-only (docker
#         run --read-only) and the image's layout (jffi's library unpacked under <bin>/../lib/baton),
#         the agent starts and runs;  7. as uid 1000 where a group named baton exists, `baton status`
#         reaches the agent through its Unix socket.
# Checks 2-5 are skipped while `baton run` is not in the build.
# Ends with "test-pid1: N passed, N failed, N skipped".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
launcher=$root/bin/baton
[ "$(id -u)" = 0 ] || { echo "test-pid1: needs root (unshare --pid)"; exit 2; }
tmp=$(mktemp -d)
passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "  skip  $*"; }
cleanup() { [ -n "${upid:-}" ] && kill -KILL "$upid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# host pid of the namespace's PID 1: the only child of the unshare process
ns_init() { cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'; }
wait_for() { i=0; while ! eval "$1" && [ $i -lt "$2" ]; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }

echo "== 1. the launcher execs java as PID 1"
pause=$tmp/vm.paused
BATON_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+PauseAtStartup -XX:PauseAtStartupFile=$pause" \
    unshare --pid --fork --mount-proc "$launcher" --version >"$tmp/v.out" 2>&1 &
upid=$!
if wait_for '[ -e "$pause" ]' 100; then
    init=$(ns_init "$upid")
    exe=$(readlink "/proc/$init/exe")
    nspid=$(awk '/^NSpid:/ {print $NF}' "/proc/$init/status")
    if [ "$nspid" = 1 ] && [ "${exe##*/}" = java ]; then ok "PID 1 in the namespace is $exe"
    else bad "PID 1 is ${exe:-?} (NSpid ${nspid:-?}): the launcher did not exec java"; fi
    rm -f "$pause"
else
    bad "the JVM did not start"
fi
wait "$upid"; rc=$?; upid=
if [ $rc = 0 ] && grep -q '^baton ' "$tmp/v.out"; then ok "--version as PID 1: $(cat "$tmp/v.out")"
else cat "$tmp/v.out"; bad "--version as PID 1 (exit $rc)"; fi

echo "== 2-4. baton run as PID 1"
cat > "$tmp/baton.toml" <<EOF
[agent]
state_dir = "$tmp/state"
log_mode = "raw"
shutdown_timeout = "8s"

[api]
enabled = false

[programs.orphans]
# every 0.3 s a subshell starts a short sleep and exits: the sleep is orphaned to PID 1
command = "trap 'exit 0' TERM; while :; do (sleep 0.1 &); sleep 0.3; done"
shell = true
stop_timeout = "5s"

[programs.json]
command = "printf '%s\\\\n' '{\"level\":\"INFO\",\"fields\":{\"message\":\"a | b \\\\\"q\\\\\"\"}}'; exec sleep 1000"
shell = true
stop_timeout = "5s"
EOF
unshare --pid --fork --mount-proc "$launcher" run --config "$tmp/baton.toml" >"$tmp/run.out" 2>"$tmp/run.err" &
upid=$!
sleep 4
if ! kill -0 "$upid" 2>/dev/null; then
    wait "$upid"; rc=$?; upid=
    if grep -qi 'unmatched argument\|unknown command' "$tmp/run.out" "$tmp/run.err"; then
        skip "baton run is not in this build: zombies, raw JSON lines, SIGTERM stop, exit_on_fatal"
        skipped=$((skipped + 3))
        echo "test-pid1: $passed passed, $failed failed, $skipped skipped"
        [ "$failed" = 0 ]; exit
    fi
    cat "$tmp/run.out" "$tmp/run.err" | tail -20
    bad "baton run exited early (exit $rc)"
    echo "test-pid1: $passed passed, $failed failed, $skipped skipped"
    exit 1
fi
init=$(ns_init "$upid")
# A zombie seen in two samples 0.5 s apart was not reaped.
zombies() { for s in /proc/[0-9]*/stat; do awk -v p="$init" '$3 == "Z" && $4 == p {print $1}' "$s" 2>/dev/null; done | sort; }
z1=$(zombies); sleep 0.5; z2=$(zombies)
lasting=$(printf '%s\n%s\n' "$z1" "$z2" | grep . | sort | uniq -d)
if [ -z "$lasting" ]; then ok "no lasting zombies under PID 1"; else bad "zombies not reaped: $lasting"; fi
if grep -qxF '{"level":"INFO","fields":{"message":"a | b \"q\""}}' "$tmp/run.out"; then ok "JSON line intact on stdout"
else sed 's/^/        /' "$tmp/run.out" | head; bad "JSON line not found intact on stdout"; fi
start=$(date +%s%N)
kill -TERM "$init"
wait "$upid"; rc=$?; upid=
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $ms -lt 10000 ] && { [ $rc = 0 ] || [ $rc = 143 ]; }; then ok "SIGTERM: stopped in $ms ms, exit $rc"
else tail -5 "$tmp/run.err"; bad "SIGTERM: exit $rc after $ms ms (want 0 or 143 within 10 s)"; fi

echo "== 5. exit_on_fatal"
cat > "$tmp/fatal.toml" <<EOF
[agent]
state_dir = "$tmp/state2"
log_mode = "raw"
exit_on_fatal = true

[api]
enabled = false

[programs.broken]
command = ["/bin/sh", "-c", "exit 3"]
start_retries = 1
EOF
timeout 60 unshare --pid --fork --mount-proc "$launcher" run --config "$tmp/fatal.toml" >"$tmp/f.out" 2>&1
rc=$?
if [ $rc = 3 ]; then ok "a FATAL program's exit code 3 is baton's exit code"
else tail -5 "$tmp/f.out"; bad "exit_on_fatal: baton exited $rc, want 3"; fi

echo "== 6. read-only root filesystem (docker run --read-only), the image's layout"
# /opt/baton as the Dockerfile lays it out: launcher, jar, jffi's library unpacked by the same step.
opt=$tmp/opt
mkdir -p "$opt/bin" "$opt/share/baton" "$opt/lib/baton" "$tmp/jni" "$tmp/ro-state"
cp "$launcher" "$opt/bin/baton"
ln -s "$(readlink -f "${BATON_JAR:-$root/agent/target/baton.jar}")" "$opt/share/baton/baton.jar"
(cd "$tmp/jni" && unzip -q -o "$opt/share/baton/baton.jar" "jni/$(uname -m)-Linux/libjffi-1.2.so") \
    && mv "$tmp/jni/jni/$(uname -m)-Linux/libjffi-1.2.so" "$opt/lib/baton/"
cat > "$tmp/ro.toml" <<EOF
[agent]
state_dir = "$tmp/ro-state"
log_mode = "raw"

[api]
enabled = false

[programs.up]
command = ["sleep", "1000"]
EOF
# /tmp and the working directory read-only (jffi unpacks its library to the one, else the other),
# the state dir a writable mount on it (the volume). Once the program runs, `kill 1` from inside
# the namespace stops the agent.
timeout 60 unshare --mount --pid --fork --mount-proc sh -c '
    exec 3>"$1/ro.out" # opened while /tmp is writable
    mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp && mount -t tmpfs -o mode=0700 tmpfs "$1/ro-state" || exit 99
    (i=0; until grep -q "up: STARTING -> RUNNING" "$1/ro.out" || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
     kill -TERM 1) &
    cd "$1" # the working directory read-only too: jffi falls back to it
    exec "$1/opt/bin/baton" run --config "$1/ro.toml" >&3 2>&3' sh "$tmp"
rc=$?
if [ $rc = 0 ] && grep -q "up: STARTING -> RUNNING" "$tmp/ro.out"; then ok "runs with /tmp and the working directory read-only (exit $rc)"
else grep -v -e '^\s*at ' -e '^\s*\.\.\. ' "$tmp/ro.out" | tail -4; bad "read-only /tmp and cwd: exit $rc, want 0 after a program ran"; fi

echo "== 7. as a non-root user (docker run --user 1000) on a system with a group named baton"
# The group exists where the .deb was installed (a derived image): a non-root agent may not give its
# socket to a group it is not in. The group file is the namespace's own, the system's is untouched.
chmod 711 "$tmp"
mkdir -p "$tmp/nr-state" && chown 1000:1000 "$tmp/nr-state" && chmod 700 "$tmp/nr-state"
cp /etc/group "$tmp/group" && chmod 644 "$tmp/group"
grep -q '^baton:' "$tmp/group" || echo 'baton:x:4242:' >> "$tmp/group"
cat > "$tmp/nr.toml" <<EOF
[agent]
state_dir = "$tmp/nr-state"
log_mode = "raw"

[api]
listen = "127.0.0.1"
port = $(( 20000 + $$ % 20000 ))

[programs.up]
command = ["sleep", "1000"]
EOF
chmod 644 "$tmp/nr.toml"
: > "$tmp/nr.out" && : > "$tmp/nr.status" && chmod 666 "$tmp/nr.out" "$tmp/nr.status"
as1000="setpriv --reuid 1000 --regid 1000 --clear-groups"
timeout 60 unshare --mount --pid --fork --mount-proc sh -c '
    mount --bind "$1/group" /etc/group || exit 99
    (i=0; until grep -q "up: STARTING -> RUNNING" "$1/nr.out" || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
     $2 "$3" status --config "$1/nr.toml" >"$1/nr.status" 2>&1; kill -TERM 1) &
    exec $2 "$3" run --config "$1/nr.toml" >"$1/nr.out" 2>&1' sh "$tmp" "$as1000" "$launcher"
rc=$?
if [ $rc = 0 ] && grep -q "RUNNING" "$tmp/nr.status"; then ok "baton status as uid 1000 through the Unix socket (exit $rc)"
else cat "$tmp/nr.status"; grep -i "api:" "$tmp/nr.out" | tail -3; bad "non-root: exit $rc, baton status did not answer"; fi

echo "test-pid1: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
