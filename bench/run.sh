#!/bin/sh
# Runs baton's benchmarks side by side with supervisord. Installs what it needs (Debian 12, root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
need=""
command -v supervisord >/dev/null || need="$need supervisor"
command -v python3 >/dev/null || need="$need python3"
if [ -n "$need" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
    # Debian starts the packaged supervisord service; the benchmark runs its own.
    service supervisor stop >/dev/null 2>&1 || true
fi
[ -f "$root/agent/target/baton.jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
python3 "$here/core.py" "$@"
