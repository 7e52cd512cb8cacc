#!/usr/bin/env python3
"""Log delivery into a real systemd-journald: how many lines per second it accepts through baton, and
whether every line arrives, beside what operators have today, one systemd unit per engine (the
engine's stdout is a journald stream).

Each run starts a fresh journald (Storage=volatile, rate limiting off: the bench measures what the
daemon takes, not its per-unit limit) in a private mount namespace, so the host's journal is untouched:
  baton  the agent's stdout is a journald stream (as under systemd: $JOURNAL_STREAM names it), so it
         sends each program line to journald itself, one native-protocol datagram per line
  unit   producer.py's stdout is the journald stream, as a unit's StandardOutput=journal gives it
The child writes N lines of 200 bytes, one write(2) per line (what a Rust engine does). Measured: the
child's time, when the last line was in the journal (its __MONOTONIC_TIMESTAMP against the child's
CLOCK_MONOTONIC start), the lines in the journal (a run that lost any is reported as lost), journald's
CPU and the supervisor's. Needs root, /lib/systemd/systemd-journald, journalctl.

  journald.py [--lines N] [--runs R] [--out FILE]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core  # noqa: E402
import delivery  # noqa: E402

JOURNALD = "/lib/systemd/systemd-journald"
STDOUT_SOCKET = "/run/systemd/journal/stdout"
MARK = b"Processing block"  # in every producer.py line, in no line of the agent's own
KINDS = ["baton", "unit"]


def private_namespace():
    """Re-executes this script in its own mount namespace with empty /run/systemd, /run/log, /var/log/journal."""
    if os.environ.get("BATON_BENCH_JOURNALD_NS") != "1":
        env = dict(os.environ, BATON_BENCH_JOURNALD_NS="1")
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable] + sys.argv, env)


def fresh_journald(work):
    for d in ("/run/systemd", "/run/log") + (("/var/log/journal",) if os.path.isdir("/var/log/journal") else ()):
        os.makedirs(d, exist_ok=True)
        subprocess.run(["umount", "-l", d], stderr=subprocess.DEVNULL)
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", d], check=True)
    os.makedirs("/run/systemd/journal", exist_ok=True)
    os.makedirs("/run/systemd/journald.conf.d", exist_ok=True)
    with open("/run/systemd/journald.conf.d/bench.conf", "w") as f:
        f.write("[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\nRuntimeMaxUse=8G\nRuntimeMaxFileSize=1G\n"
                "ReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\nForwardToKMsg=no\n")
    log = open(os.path.join(work, "journald.log"), "w")
    proc = subprocess.Popen([JOURNALD], stdout=log, stderr=log)
    core.wait_for(lambda: os.path.exists(STDOUT_SOCKET) and os.path.exists("/run/systemd/journal/socket"),
                  10, "journald's sockets", proc, 0.01)
    return proc


def journal_stream(identifier):
    """A connection to journald's stdout socket, as systemd makes one for a unit's StandardOutput=journal."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(STDOUT_SOCKET)
    s.shutdown(socket.SHUT_RD)
    # identifier, unit id, priority, level prefix, forward to syslog, kmsg, console
    s.sendall(f"{identifier}\n\n6\n0\n0\n0\n0\n".encode())
    return s


def journal_lines():
    """(lines carrying MARK, the largest __MONOTONIC_TIMESTAMP among them in s), read with journalctl."""
    out = subprocess.run(["journalctl", "-o", "export", "--output-fields=MESSAGE,__MONOTONIC_TIMESTAMP",
                          "--no-pager"], capture_output=True, check=True).stdout
    count, last, mono = 0, 0.0, None
    for line in out.split(b"\n"):
        if line.startswith(b"__MONOTONIC_TIMESTAMP="):
            mono = int(line.split(b"=", 1)[1]) / 1e6
        elif line.startswith(b"MESSAGE=") and MARK in line:
            count += 1
            last = max(last, mono or 0.0)
    return count, last


def settle(lines, quiet=5.0):
    """Waits until the child's last line is in the journal (a cheap look at the newest entries), or the
    journal's count of its lines did not move for `quiet` s; then counts them all."""
    last_line = f"Processing block {1000000 + lines - 1}:".encode()
    seen, since = -1, time.monotonic()
    while True:
        newest = subprocess.run(["journalctl", "-n", "50", "-o", "cat", "--no-pager"], capture_output=True).stdout
        if last_line in newest:
            return journal_lines()
        if time.monotonic() - since > quiet:
            got = journal_lines()[0]
            if got == seen:
                return journal_lines()
            seen, since = got, time.monotonic()
        time.sleep(0.1)


def flood(kind, lines):
    with core.Workdir(f"journald-{kind}") as work:
        journald = fresh_journald(work)
        result = os.path.join(work, "result")
        argv = [core.PYTHON, os.path.join(core.BENCH, "producer.py"), "flood", str(lines), result, "line", "0"]
        stream = journal_stream("producer")
        try:
            if kind == "unit":
                sup, proc = None, subprocess.Popen(argv, stdout=stream.fileno(), stderr=subprocess.DEVNULL)
            else:
                st = os.fstat(stream.fileno())
                b = core.Baton(work, [core.Program("producer", argv, "chainflip", "1.0.0")], log_mode="raw",
                               env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
                proc = b.start(stdout=stream.fileno())
                core.wait_for(lambda: core.supervisor_children(proc.pid), 60, "baton spawn", proc)
                sup = proc.pid
            cpu0 = core.cpu_seconds(sup) if sup else None
            j0 = core.cpu_seconds(journald.pid)
            core.wait_for(lambda: os.path.exists(result), 600, f"{kind} flood", proc, 0.01)
            t0, t1 = (float(x) for x in open(result).read().split())
            got, last = settle(lines)
            cpu = core.cpu_seconds(sup) - cpu0 if sup else None
            jcpu = core.cpu_seconds(journald.pid) - j0
            load = core.load_average()
        finally:
            core.end(proc, supervised=kind != "unit")
            stream.close()
            journald.terminate()
            journald.wait(timeout=30)
        lost = lines - got
        return {"child_s": t1 - t0, "delivered_s": (last - t0) if lost == 0 else None,
                "lines_per_s": lines / (last - t0) if lost == 0 and last > t0 else None,
                "agent_cpu_s": cpu, "journald_cpu_s": jcpu, "lines_expected": lines, "lines_received": got,
                "lines_lost": lost, "lost": lost > 0, "load": load}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args()
    if os.geteuid() != 0 or not os.access(JOURNALD, os.X_OK):
        sys.exit("journald.py needs root and " + JOURNALD)
    private_namespace()
    runs = core.alternate(args.runs, KINDS, lambda kind: flood(kind, args.lines), f"journald {args.lines:,}",
                          lambda m: print(m, flush=True))
    s = delivery.summarize(runs, ("child_s", "delivered_s", "lines_per_s", "agent_cpu_s", "journald_cpu_s"))
    for kind in KINDS:
        k = s[kind]

        def fmt(key, unit=""):
            v = k.get(key)
            return f"{v['median']:.3g}{unit} ({v['min']:.3g}-{v['max']:.3g})" if v else "-"
        print(f"  {kind:6s} child {fmt('child_s', ' s')}  in the journal after {fmt('delivered_s', ' s')}  "
              f"{fmt('lines_per_s')} lines/s  agent CPU {fmt('agent_cpu_s', ' s')}  journald CPU "
              f"{fmt('journald_cpu_s', ' s')}  lost in {k['lost_runs']}/{k['runs']} runs", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"lines": args.lines, "runs": runs, "summary": s}, f, indent=1)


if __name__ == "__main__":
    main()
