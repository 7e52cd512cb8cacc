#!/bin/sh
# baton's benchmarks, side by side with supervisord: one command.
#
#   bench/run.sh [--quick | --full] [--only start,rss,throughput,idle,handover,recognition,api,scale] [--runs N]
#
# --quick (default) about 15 minutes, --full about 45 minutes (10 idle minutes, more runs).
# Installs what it needs on Debian 12 (as root): supervisor, python3, python3-matplotlib, wrk.
# Builds the jar if missing, trains the launcher's CDS archive, runs every workload alternating
# baton and supervisord, prints medians and ratios, writes bench/results/*.json (git-ignored) and
# draws the charts into docs/img/. See docs/benchmarks.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py=/usr/bin/python3
need=""
command -v supervisord >/dev/null || need="$need supervisor"
[ -x $py ] || need="$need python3"
$py -c 'import matplotlib' 2>/dev/null || need="$need python3-matplotlib"
command -v wrk >/dev/null || need="$need wrk"
command -v java >/dev/null || need="$need openjdk-17-jdk-headless"
if [ -n "$need" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
# Debian starts the packaged supervisord service; the benchmark runs its own.
service supervisor stop >/dev/null 2>&1 || true
[ -f "$root/agent/target/baton.jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
# The launcher uses a class-data-sharing archive when it is newer than the jar: train it as an
# installation does (bin/baton cds), so baton is measured as it runs on a host.
"$root/bin/baton" cds >/dev/null
$py "$here/bench.py" "$@"
$py "$here/charts.py"
