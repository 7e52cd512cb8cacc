#!/bin/sh
# End-to-end check of dev.baton.systemd.JournalSink against a real systemd-journald (root only).
# Runs journald in a private mount namespace with its own tmpfs /run/systemd, /run/log and
# /var/log/journal, so the host's journal is untouched, sends two program lines, and reads them
# back with journalctl -t, BATON_PROGRAM=, -p err and BATON_STREAM= (as docs/journald.md shows).
# Needs: agent/target/baton.jar (mvn -B package -DskipTests), /lib/systemd/systemd-journald.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${BATON_JAR:-$root/agent/target/baton.jar}
[ -x /lib/systemd/systemd-journald ] || { echo "journald-smoke: SKIP (no systemd-journald)"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "journald-smoke: SKIP (needs root for a mount namespace)"; exit 0; }
if [ "${1:-}" != inside ]; then
    exec unshare --mount --propagation private "$0" inside
fi
mkdir -p /run/systemd /run/log
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
# journald keeps a persistent journal where /var/log/journal exists: the host's, unless hidden too.
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
mkdir -p /run/systemd/journal
tmp=$(mktemp -d)
/lib/systemd/systemd-journald >"$tmp/journald.log" 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0; while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat > "$tmp/Send.java" <<'J'
public class Send { public static void main(String[] a) throws Exception {
  try (dev.baton.systemd.JournalSink s = dev.baton.systemd.JournalSink.open(dev.baton.systemd.JournalSink.DEFAULT_SOCKET)) {
    byte[] l1 = "{\"level\":\"ERROR\",\"fields\":{\"message\":\"boom\"}}\n".getBytes();
    s.send("smoke-engine1.1", l1, 0, l1.length, false);
    byte[] l2 = "two\nlines".getBytes();
    s.send("smoke-engine1.1", l2, 0, l2.length, true);
    byte[] l3 = ("big " + "\u00e9".repeat(1 << 20)).getBytes("UTF-8"); // 2 MiB: more than one datagram carries
    s.send("smoke-big", l3, 0, l3.length, false);
    if (s.sent() != 3) throw new AssertionError("sent " + s.sent() + ": " + s.lastError());
  } } }
J
java -cp "$jar" "$tmp/Send.java"
i=0; while [ "$(journalctl -t smoke-engine1.1 -o json --no-pager | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$(journalctl -t smoke-engine1.1 -o json --no-pager)
printf "%s\n" "$out" | grep -q '"MESSAGE":"{\\"level\\":\\"ERROR\\",\\"fields\\":{\\"message\\":\\"boom\\"}}","SYSLOG_IDENTIFIER":"smoke-engine1.1"\|"PRIORITY":"3"' \
    || { printf "%s\n" "$out"; echo "journald-smoke: FAIL (JSON line)"; exit 1; }
[ "$(journalctl -t smoke-engine1.1 -p err -o cat --no-pager)" = '{"level":"ERROR","fields":{"message":"boom"}}' ] \
    || { printf "%s\n" "$out"; echo "journald-smoke: FAIL (priority 3 for level ERROR)"; exit 1; }
printf "%s\n" "$out" | grep -q '"MESSAGE":"two\\nlines"' || { printf "%s\n" "$out"; echo "journald-smoke: FAIL (binary-safe field)"; exit 1; }
[ "$(journalctl BATON_PROGRAM=smoke-engine1.1 -o json --no-pager | wc -l)" = 2 ] \
    || { printf "%s\n" "$out"; echo "journald-smoke: FAIL (BATON_PROGRAM= selects the program)"; exit 1; }
[ "$(journalctl -t smoke-engine1.1 BATON_STREAM=stderr -o cat --no-pager)" = "$(printf 'two\nlines')" ] \
    || { printf "%s\n" "$out"; echo "journald-smoke: FAIL (BATON_STREAM=stderr)"; exit 1; }
journalctl -t smoke-big -o cat --no-pager | grep -q '^big \(é\)*é \[baton: line cut for journald\]$' \
    || { echo "journald-smoke: FAIL (a line longer than a datagram arrives cut, whole characters)"; exit 1; }
echo "journald-smoke: OK (journalctl -t and BATON_PROGRAM= with the program's dotted name show both lines, priority from the JSON level, BATON_STREAM, a 2 MiB line cut to fit)"
