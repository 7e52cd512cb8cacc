#!/usr/bin/env python3
"""Handover latency: from the moment the old engine writes its "no longer compatible" line to the
moment it receives baton's stop signal, over many handovers (issue 3's benchmark).

G engine groups (profile chainflip), each with two fake engines (fake_engine.py): the active one at
1.r.0 and a waiting one at 1.(r+1).0, each group with its own release file. A round flips the
groups' releases to 1.(r+1).0 one by one (a gap between groups, so handovers do not queue behind
each other); each old engine prints its line and baton idles it (SIGTERM). Then the config is
rewritten (the idled engine removed, a new waiting engine 1.(r+2).0 added) and reloaded with
SIGHUP: G handovers per round, G * rounds in all. Both timestamps are CLOCK_MONOTONIC taken in
the engine, so the number includes the pipe, baton's reader, recognition, the event loop, the
decision and the kill(2), and the engine's wake-up.

--split also records, system-wide with perf (tracepoint signal:signal_generate, CLOCK_MONOTONIC
timestamps, the engines' own clock), when each SIGTERM was sent: each handover then splits into
baton's part (line written -> kill(2): the pipe, the reader, recognition, the loop, the decision) and
the engine's wake-up (kill(2) -> the engine runs again: the machine's scheduler). Needs root and perf.

--noise RATE adds a program that prints RATE lines per second, one write(2) per line, in bursts every
10 ms: baton's reader then lingers 1 ms after most of its reads (to batch such writers), and the
handover lines arrive while it does.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core  # noqa: E402

FAKE = os.path.join(core.BENCH, "fake_engine.py")


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


PRODUCER = os.path.join(core.BENCH, "producer.py")


class SignalTrace:
    """perf record of every signal sent on the machine, with CLOCK_MONOTONIC times (--split)."""

    def __init__(self, work):
        self.data = os.path.join(work, "signals.perf")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["perf", "record", "-q", "-e", "signal:signal_generate", "-k", "mono", "-a",
                                      "-o", self.data], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # perf attaches to every CPU before the first handover
        if self.proc.poll() is not None:
            raise RuntimeError("perf record failed: " + self.proc.stderr.read().decode(errors="replace"))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(2)
        self.proc.wait(timeout=60)

    def sigterms(self):
        """{target pid: [monotonic ns of each SIGTERM sent to it]}."""
        out = subprocess.run(["perf", "script", "-i", self.data, "-F", "time,trace"], capture_output=True,
                             text=True, check=True).stdout
        sent = {}
        for m in re.finditer(r"([0-9]+)\.([0-9]+):\s+sig=15 .*? pid=([0-9]+) ", out):
            ns = int(m.group(1)) * 1_000_000_000 + int(m.group(2).ljust(9, "0")[:9])
            sent.setdefault(int(m.group(3)), []).append(ns)
        return sent


def split(measured, sent):
    """Per handover (t0, t1, pid): baton's part t0 -> SIGTERM sent and the engine's t_sent -> t1, in ms."""
    baton_ms, engine_ms, unmatched = [], [], 0
    for t0, t1, pid in measured:
        k = [t for t in sent.get(pid, []) if t0 <= t <= t1]
        if not k:
            unmatched += 1
            continue
        baton_ms.append((k[0] - t0) / 1e6)
        engine_ms.append((t1 - k[0]) / 1e6)
    return baton_ms, engine_ms, unmatched


def summary(values):
    return {"p50_ms": percentile(values, 50), "p90_ms": percentile(values, 90), "p99_ms": percentile(values, 99),
            "max_ms": max(values) if values else None}


def run(groups=20, rounds=50, gap=0.02, log=print, noise=0, trace=False, log_mode="raw"):
    with core.Workdir("handover") as work:
        out = os.path.join(work, "out")
        os.makedirs(out)
        rel = {g: os.path.join(work, f"release-g{g}") for g in range(groups)}
        for f in rel.values():
            with open(f, "w") as fh:
                fh.write("1.1.0\n")

        def programs(r):
            ps = []
            for g in range(groups):
                for k in (r, r + 1):
                    name = f"g{g}-v{k}"
                    ps.append(core.Program(name, [core.PYTHON, FAKE, f"1.{k}.0", rel[g], out, name],
                                           f"g{g}", f"1.{k}.0"))
            if noise:
                ps.append(core.Program("noise", [core.PYTHON, PRODUCER, "paced", str(noise), f"{work}/noise", "line"]))
            return ps

        sup = core.Baton(work, programs(1), api=False, log_mode=log_mode)
        proc = sup.start()
        latencies, missing, measured = [], 0, []
        tracer = SignalTrace(work) if trace else None
        t_start = time.monotonic()
        try:
            if tracer:
                tracer.start()
            for r in range(1, rounds + 1):
                # both engines of every group ready: the old one active, the new one waiting
                need = [f"{out}/active-g{g}-v{r}" for g in range(groups)] + \
                       [f"{out}/waiting-g{g}-v{r + 1}" for g in range(groups)]
                try:
                    core.wait_for(lambda: all(os.path.exists(p) for p in need), 60, f"round {r} ready", proc, 0.005)
                except RuntimeError as e:
                    raise RuntimeError(f"{e}; missing: {[os.path.basename(p) for p in need if not os.path.exists(p)]}")
                time.sleep(0.05)  # let baton read the WAITING lines (they are already in the pipes)
                for g in range(groups):
                    with open(rel[g] + ".tmp", "w") as fh:
                        fh.write(f"1.{r + 1}.0\n")
                    os.replace(rel[g] + ".tmp", rel[g])
                    time.sleep(gap)
                lat = [f"{out}/lat-g{g}-v{r}" for g in range(groups)]
                try:
                    core.wait_for(lambda: all(os.path.exists(p) for p in lat), 15, f"round {r} handovers", proc, 0.005)
                except RuntimeError:
                    pass
                for p in lat:
                    if not os.path.exists(p):
                        missing += 1
                        continue
                    t0, t1, pid = (int(x) for x in open(p).read().split())
                    if t1 < 0:
                        missing += 1
                    else:
                        latencies.append((t1 - t0) / 1e6)
                        measured.append((t0, t1, pid))
                if r % 10 == 0:
                    log(f"  handover round {r}/{rounds}: {len(latencies)} handovers, p50 "
                        f"{percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms, missing {missing}")
                sup.write_config(programs(r + 1))
                sup.reload(proc)
        finally:
            core.stop(proc)
            if tracer:
                tracer.stop()
        parts = {}
        if tracer:
            baton_ms, engine_ms, unmatched = split(measured, tracer.sigterms())
            parts = {"baton_part": summary(baton_ms), "engine_part": summary(engine_ms), "unmatched": unmatched,
                     "baton_part_ms": baton_ms, "engine_part_ms": engine_ms,
                     "t0_ns": [t0 for t0, _, _ in measured]}  # CLOCK_MONOTONIC: lines up with -Xlog's timenanos
        return {**parts, "handovers": len(latencies), "missing": missing, **summary(latencies),
                "mean_ms": statistics.mean(latencies) if latencies else None,
                "seconds": time.monotonic() - t_start, "latencies_ms": latencies}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--gap", type=float, default=0.02)
    ap.add_argument("--noise", type=int, default=0, help="lines per second of a line-by-line writer beside the engines")
    ap.add_argument("--split", action="store_true", help="also time when baton sent each SIGTERM (perf, root)")
    ap.add_argument("--out", help="write the results, every latency included, as JSON here")
    ap.add_argument("--log-mode", choices=["raw", "prefixed"], default="raw",
                    help="baton's stdout: raw (the engines' lines as they are) or prefixed (its default)")
    a = ap.parse_args()
    res = run(a.groups, a.rounds, a.gap, noise=a.noise, trace=a.split, log_mode=a.log_mode)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    for k in ("latencies_ms", "baton_part_ms", "engine_part_ms", "t0_ns"):
        res.pop(k, None)
    print(res)
