#!/bin/sh
# Checks the shipped Prometheus rules: syntax (promtool check rules) and behaviour (promtool test
# rules: each alert fires on its situation and not on the healthy neighbour). CI calls this; the
# JUnit test dev.baton.metrics.ShippedMetricNamesTest checks that every metric they use exists.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v promtool >/dev/null; then
    echo "check.sh: promtool not found (Debian: apt-get install prometheus)" >&2
    exit 2
fi
promtool check rules "$here/prometheus/baton-alerts.yml" "$here/prometheus/baton-cluster-alerts.yml"
# promtool resolves rule_files relative to the test file's directory
promtool test rules "$here/prometheus/baton-alerts.test.yml" "$here/prometheus/baton-cluster-alerts.test.yml"
