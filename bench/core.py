#!/usr/bin/env python3
"""Core benchmark: baton and supervisord side by side on the same two programs.

Measures, per run, alternating baton and supervisord:
  spawn_ms  launch of the supervisor -> both children exist (polled every 1 ms in /proc)
  rss_mb    RSS of the supervisor process 3 s after both children exist
  stop_ms   SIGTERM to the supervisor -> the supervisor has exited (children gone)
Prints medians and the baton/supervisord ratio. Loopback only, bounded, stops by itself.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = [("one", "/bin/sleep 3600"), ("two", "/bin/sleep 3601")]


def children_of(pid):
    kids = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.exists(f"/proc/{pid}/task") else []:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return kids


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def baton_cmd(work):
    conf = os.path.join(work, "baton.toml")
    with open(conf, "w") as f:
        f.write(f'[agent]\nstate_dir = "{work}/state"\nlog_mode = "prefixed"\n\n[api]\nenabled = false\n\n')
        for name, cmd in PROGRAMS:
            argv = ", ".join(f'"{a}"' for a in cmd.split())
            f.write(f'[programs.{name}]\ncommand = [{argv}]\n\n')
    return [os.path.join(ROOT, "bin", "baton"), "run", "--config", conf]


def supervisord_cmd(work):
    conf = os.path.join(work, "supervisord.conf")
    with open(conf, "w") as f:
        f.write(f"[supervisord]\nnodaemon=true\nlogfile={work}/supervisord.log\npidfile={work}/supervisord.pid\n\n")
        for name, cmd in PROGRAMS:
            f.write(f"[program:{name}]\ncommand={cmd}\nstdout_logfile=/dev/fd/1\nstdout_logfile_maxbytes=0\n"
                    f"redirect_stderr=true\n\n")
    return ["supervisord", "-c", conf]


def measure(kind):
    work = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    try:
        cmd = baton_cmd(work) if kind == "baton" else supervisord_cmd(work)
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = t0 + 30
        while len(children_of(proc.pid)) < 2:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{kind}: children not spawned (exit {proc.poll()})")
            time.sleep(0.001)
        spawn_ms = (time.monotonic() - t0) * 1000
        time.sleep(3)
        rss = rss_mb(proc.pid)
        t1 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        stop_ms = (time.monotonic() - t1) * 1000
        return {"spawn_ms": spawn_ms, "rss_mb": rss, "stop_ms": stop_ms}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    results = {"baton": [], "supervisord": []}
    for i in range(args.runs):
        for kind in ("baton", "supervisord"):
            r = measure(kind)
            results[kind].append(r)
            print(f"run {i + 1} {kind:11s} spawn {r['spawn_ms']:8.1f} ms  rss {r['rss_mb']:6.1f} MB  "
                  f"stop {r['stop_ms']:8.1f} ms", flush=True)
    print()
    print(f"{'metric (median of %d)' % args.runs:24s} {'baton':>10s} {'supervisord':>12s} {'ratio':>8s}")
    for key, unit in (("spawn_ms", "ms"), ("rss_mb", "MB"), ("stop_ms", "ms")):
        b = statistics.median(r[key] for r in results["baton"])
        s = statistics.median(r[key] for r in results["supervisord"])
        print(f"{key:24s} {b:9.1f}{unit[0]} {s:11.1f}{unit[0]} {b / s:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
