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

--noise RATE adds a program that prints RATE lines per second, one write(2) per line, in bursts every
10 ms: baton's reader then lingers 1 ms after most of its reads (to batch such writers), and the
handover lines arrive while it does.
"""
import argparse
import glob
import os
import statistics
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


def run(groups=20, rounds=50, gap=0.02, log=print, noise=0):
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

        sup = core.Baton(work, programs(1), api=False, log_mode="raw")
        proc = sup.start()
        latencies, missing = [], 0
        t_start = time.monotonic()
        try:
            for r in range(1, rounds + 1):
                # both engines of every group ready: the old one active, the new one waiting
                need = [f"{out}/active-g{g}-v{r}" for g in range(groups)] + \
                       [f"{out}/waiting-g{g}-v{r + 1}" for g in range(groups)]
                core.wait_for(lambda: all(os.path.exists(p) for p in need), 60, f"round {r} ready", proc, 0.005)
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
                    t0, t1 = (int(x) for x in open(p).read().split())
                    if t1 < 0:
                        missing += 1
                    else:
                        latencies.append((t1 - t0) / 1e6)
                if r % 10 == 0:
                    log(f"  handover round {r}/{rounds}: {len(latencies)} handovers, p50 "
                        f"{percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms, missing {missing}")
                sup.write_config(programs(r + 1))
                sup.reload(proc)
        finally:
            core.stop(proc)
            for f in glob.glob(f"{out}/*"):
                pass
        return {"handovers": len(latencies), "missing": missing,
                "p50_ms": percentile(latencies, 50), "p90_ms": percentile(latencies, 90),
                "p99_ms": percentile(latencies, 99), "max_ms": max(latencies) if latencies else None,
                "mean_ms": statistics.mean(latencies) if latencies else None,
                "seconds": time.monotonic() - t_start, "latencies_ms": latencies}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--gap", type=float, default=0.02)
    ap.add_argument("--noise", type=int, default=0, help="lines per second of a line-by-line writer beside the engines")
    a = ap.parse_args()
    res = run(a.groups, a.rounds, a.gap, noise=a.noise)
    res.pop("latencies_ms")
    print(res)
