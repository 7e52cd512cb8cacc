#!/bin/sh
# Installs the built .deb on this machine, checks it, removes and purges it (CI calls this).
# Needs root on Debian 12 (or Ubuntu 22.04+). Usage: packaging-deb/test-install.sh [baton_X_all.deb]
# Ends with "test-install: N passed, N failed, N skipped"; exits non-zero when a check failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
deb=${1:-$(ls "$here"/target/baton_*_all.deb 2>/dev/null | sed -n 1p)}
[ -n "$deb" ] && [ -f "$deb" ] || { echo "test-install: no .deb: build it with mvn -B package -DskipTests" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test-install: must run as root (dpkg -i)" >&2; exit 2; }
version=$(dpkg-deb -f "$deb" Version)
passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "  skip  $*"; }
check() { desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "test-install: $deb ($version)"
if dpkg-query -W -f '${Status}' baton 2>/dev/null | grep -q 'installed\|config-files'; then
    echo "test-install: purging a baton already installed"
    dpkg --purge baton >/dev/null
fi

# The Java dependency: any installed runtime that satisfies Depends, else openjdk-17 from apt.
if ! dpkg-query -W -f '${Status}\n' default-jre-headless openjdk-17-jre-headless openjdk-21-jre-headless \
        openjdk-25-jre-headless 2>/dev/null | grep -q '^install ok installed'; then
    echo "test-install: installing openjdk-17-jre-headless"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openjdk-17-jre-headless >/dev/null
fi

echo "== install"
if dpkg -i "$deb" >"$out" 2>&1; then ok "dpkg -i"; else cat "$out"; bad "dpkg -i"; fi
check "package installed" sh -c "dpkg-query -W -f '\${Status}' baton | grep -q 'install ok installed'"
for f in /usr/bin/baton /usr/share/baton/baton.jar /usr/share/baton/baton-cluster.jar /lib/systemd/system/baton.service /etc/baton/baton.toml \
        /etc/baton/conf.d/README /usr/share/doc/baton/copyright /usr/share/doc/baton/changelog.gz \
        /usr/share/man/man1/baton.1.gz; do
    check "$f" test -f "$f"
done
check "/usr/bin/baton is executable" test -x /usr/bin/baton
check "/var/lib/baton is 0750" sh -c '[ "$(stat -c %a /var/lib/baton)" = 750 ]'
check "group baton exists and may enter /var/lib/baton" sh -c '[ "$(stat -c %G /var/lib/baton)" = baton ]'
check "conffiles: /etc/baton/baton.toml and conf.d/README" \
    sh -c "[ \"\$(dpkg-query -W -f '\${Conffiles}' baton | awk '{print \$1}' | sort | tr '\n' ' ')\" = '/etc/baton/baton.toml /etc/baton/conf.d/README ' ]"
check "service enabled (deb-systemd-helper)" test -L /etc/systemd/system/multi-user.target.wants/baton.service
if [ -d /run/systemd/system ]; then
    check "service active" systemctl is-active --quiet baton
    # systemd's StateDirectory= would chown it to root:root at every start (the unit has none)
    check "the started service left /var/lib/baton to group baton" sh -c '[ "$(stat -c %G /var/lib/baton)" = baton ]'
else
    skip "service start (systemd is not running here: postinst only enabled it)"
fi
if [ -s /var/cache/baton/baton.jsa ]; then ok "CDS archive made by postinst"; else skip "CDS archive (postinst could not make it)"; fi
if [ -s /var/cache/baton/baton-cli.jsa ]; then ok "client CDS archive made by postinst"; else skip "client CDS archive (postinst could not make it)"; fi

echo "== run the installed files"
if baton --version >"$out" 2>&1 && grep -qx "baton $version" "$out"; then ok "baton --version: $(cat "$out")"
else cat "$out"; bad "baton --version (expected 'baton $version')"; fi

# check-config and demo may not be wired in every build yet: an unknown subcommand is reported
# as skipped, anything else must succeed.
run_sub() {
    name=$1; shift
    timeout 120 "$@" >"$out" 2>&1
    rc=$?
    if [ $rc = 0 ]; then
        ok "$*"
    elif grep -qi "unmatched argument\|unknown command\|unknown subcommand" "$out"; then
        skip "$* (the '$name' subcommand is not in this build: $(head -1 "$out"))"
    else
        sed 's/^/        /' "$out" | tail -20
        bad "$* (exit $rc)"
    fi
}
run_sub check-config baton check-config --config /etc/baton/baton.toml
run_sub demo baton demo

echo "== [cluster] loads the etcd client from baton-cluster.jar"
# No etcd is needed: the cluster starts in the background and keeps trying an endpoint nobody serves.
work=$(mktemp -d)
printf '[agent]\nstate_dir = "%s/state"\n[api]\nenabled = false\n[cluster]\nendpoints = ["http://127.0.0.1:9"]\nhost = "test-install"\n[programs.one]\ncommand = ["sleep", "30"]\n' \
    "$work" >"$work/baton.toml"
baton run --config "$work/baton.toml" >"$work/out" 2>&1 &
agent=$!
i=0
while [ $i -lt 100 ] && ! grep -q "cluster: host\|cluster: not started" "$work/out"; do sleep 0.1; i=$((i + 1)); done
kill -TERM $agent 2>/dev/null; wait $agent
if grep -q "cluster: host test-install" "$work/out"; then ok "cluster started from /usr/share/baton/baton-cluster.jar"
else sed 's/^/        /' "$work/out" | tail -20; bad "cluster did not start"; fi
rm -rf "$work"

echo "== baton reexec: the installed agent re-executes in place, its program keeps running"
work=$(mktemp -d)
printf '[agent]\nstate_dir = "%s/state"\n[api]\nport = %s\n[programs.one]\ncommand = ["sleep", "300"]\nstart_secs = "0s"\n' \
    "$work" $(( 20000 + ($$ + 7) % 20000 )) >"$work/baton.toml"
baton run --config "$work/baton.toml" >"$work/out" 2>&1 &
agent=$!
i=0
while [ $i -lt 300 ] && ! grep -q "api: listening on /" "$work/out"; do sleep 0.1; i=$((i + 1)); done
one=$(pgrep -P $agent -x sleep || true)
if [ -n "$one" ] && baton reexec --config "$work/baton.toml" --wait 120 >"$out" 2>&1 && kill -0 $agent \
        && [ "$(pgrep -P $agent -x sleep)" = "$one" ] && grep -q "adopted: one" "$out"; then
    ok "baton reexec: agent pid $agent and program pid $one kept"
else
    cat "$out"; sed 's/^/        /' "$work/out" | tail -20; bad "baton reexec"
fi
kill -TERM $agent 2>/dev/null; wait $agent || true
rm -rf "$work"

echo "== an operator's edit survives a reinstall (conffile)"
echo "# local edit by test-install" >> /etc/baton/baton.toml
dpkg -i --force-confold "$deb" >"$out" 2>&1 || { cat "$out"; bad "dpkg -i again"; }
check "edit kept" grep -q "local edit by test-install" /etc/baton/baton.toml

echo "== remove"
if dpkg --remove baton >"$out" 2>&1; then ok "dpkg --remove"; else cat "$out"; bad "dpkg --remove"; fi
check "launcher gone" test ! -e /usr/bin/baton
check "jar gone" test ! -e /usr/share/baton
check "unit gone" test ! -e /lib/systemd/system/baton.service
check "CDS cache gone" test ! -e /var/cache/baton
check "config kept until purge" test -f /etc/baton/baton.toml

echo "== purge"
mkdir -p /var/lib/baton && echo state > /var/lib/baton/desired-state.json
if dpkg --purge baton >"$out" 2>&1; then ok "dpkg --purge"; else cat "$out"; bad "dpkg --purge"; fi
check "package unknown to dpkg" sh -c "! dpkg-query -W baton 2>/dev/null"
for p in /etc/baton /var/lib/baton /var/cache/baton /etc/systemd/system/multi-user.target.wants/baton.service \
        /var/lib/systemd/deb-systemd-helper-enabled/baton.service.dsh-also \
        /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/baton.service \
        /var/lib/systemd/deb-systemd-helper-masked/baton.service /usr/share/doc/baton; do
    check "$p gone" test ! -e "$p"
done

echo "test-install: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
