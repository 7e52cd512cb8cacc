#!/bin/sh
# Checks systemd/baton.service with systemd-analyze verify (CI calls this).
# verify insists that ExecStart's binary exists, and /usr/bin/baton exists only once the .deb is
# installed: the check runs on a copy whose /usr/bin/baton points at this checkout's launcher.
# Any output counts as a failure: verify only *warns* (exit 0) on unknown keys or bad values.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
unit=$here/baton.service
command -v systemd-analyze >/dev/null || { echo "verify.sh: systemd-analyze not found (apt-get install systemd)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -x /usr/bin/baton ]; then
    cp "$unit" "$tmp/baton.service"
else
    sed "s#/usr/bin/baton#$here/../bin/baton#g" "$unit" > "$tmp/baton.service"
fi
systemd-analyze verify --man=no "$tmp/baton.service" > "$tmp/out" 2>&1 || status=$?
if [ "${status:-0}" -ne 0 ] || [ -s "$tmp/out" ]; then
    sed "s#$tmp/##" "$tmp/out" >&2
    echo "verify.sh: FAIL systemd/baton.service (exit ${status:-0})" >&2
    exit 1
fi

# The settings the design relies on (see the comments in the unit).
for line in Type=notify NotifyAccess=main WatchdogSec=30s Restart=always KillMode=mixed \
        TimeoutStopSec=150s LimitNOFILE=65536 OOMPolicy=continue \
        'ExecStart=/usr/bin/baton run --config /etc/baton/baton.toml' 'ExecReload=/bin/kill -HUP $MAINPID'; do
    grep -qxF "$line" "$unit" || { echo "verify.sh: FAIL missing '$line'" >&2; exit 1; }
done
echo "verify.sh: OK systemd/baton.service ($(systemd-analyze --version | sed -n 1p))"
