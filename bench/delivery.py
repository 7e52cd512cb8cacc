#!/usr/bin/env python3
"""The log throughput workload: a child floods its stdout, the supervisor passes every line to its own
stdout, a pipe into a reader as fast as cat (consumer.py) that counts what arrives.

For each run: the child's wall time (what an engine pays), when the last line reached the reader,
the supervisor's CPU time over the flood, and the lines and bytes received. A run in which the reader
got fewer lines than the child wrote is LOST: it is reported as such, never as a time.

  patterns  block: 64,000 bytes per write(2); line: one write(2) per line (a line-buffered engine)
  sizes     1M and 5M lines of 200 bytes
  cold      the child floods as soon as it is spawned (the supervisor just started)
  warm      the child first writes 200k lines, then 3 s pass, then the measured flood
  kinds     baton, supervisord, and none (the child straight into the reader: the floor); with
            --relay also cat (the child into `cat` into the reader: the least CPU any supervisor that
            passes the bytes on can use, its CPU counted as a supervisor's)
  busy      the same beside a CPU hog and a process churning 1 GiB of memory
  log mode  baton's stdout: raw (default here; the lines byte for byte, as supervisord writes them) or,
            with --log-mode prefixed, the agent's default: "program | line", control characters escaped

  builds    with --builds OLD=JAR,NEW=JAR: only baton, one kind per build (each run with BATON_JAR set
            to its jar), alternated like the supervisors; the ratio is the last build's over the first's

Run alone: python3 delivery.py [--runs N] [--quick]; bench.py --only throughput runs it too.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core  # noqa: E402

PRODUCER = os.path.join(core.BENCH, "producer.py")
CONSUMER = os.path.join(core.BENCH, "consumer.py")
KINDS = ["baton", "supervisord", "none"]
BUILDS = {}  # --builds: name -> jar
WARM_LINES = 200_000
LINE_BYTES = 200


def _read_status(path):
    try:
        lines, total, last = open(path).read().split()
        return int(lines), int(total), float(last)
    except (OSError, ValueError):
        return 0, 0, 0.0


def _settle(status, expected, quiet=2.0):
    """Waits until the reader has `expected` lines, or got none for `quiet` s (the rest is lost for good)."""
    seen, since = -1, time.monotonic()
    while True:
        got = _read_status(status)[0]
        if got >= expected:
            return
        if got != seen:
            seen, since = got, time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        time.sleep(0.02)


def flood(kind, lines, pattern, warm, log_mode="raw"):
    with core.Workdir(kind) as work:
        result = os.path.join(work, "result")
        status = os.path.join(work, "status")
        argv = [core.PYTHON, PRODUCER, "flood", str(lines), result, pattern, str(WARM_LINES if warm else 0)]
        reader = subprocess.Popen([core.PYTHON, CONSUMER, status], stdin=subprocess.PIPE)
        relay = None
        if kind == "none":
            proc = subprocess.Popen(argv, stdout=reader.stdin)
        elif kind == "cat":
            relay = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=reader.stdin)
            proc = subprocess.Popen(argv, stdout=relay.stdin)
            relay.stdin.close()
        else:
            # baton: raw mode (or log_mode), the child in an engine group: every line framed, ringed and recognised
            supervisor, _, build = kind.partition(":")
            baton = supervisor == "baton"
            programs = [core.Program("producer", argv, "chainflip" if baton else None, "1.0.0" if baton else None)]
            sup_obj = core.SUPERVISORS[supervisor](work, programs, log_mode=log_mode)
            if build:
                sup_obj.env = {"BATON_JAR": BUILDS[build]}
            proc = sup_obj.start(stdout=reader.stdin)
        reader.stdin.close()
        expected = lines + (WARM_LINES if warm else 0)
        load = [core.load_average()]
        supervised = kind not in ("none", "cat")
        try:
            sup = relay.pid if relay else proc.pid if supervised else None
            core.wait_for(lambda: not supervised or core.supervisor_children(proc.pid), 60, f"{kind} spawn", proc)
            if warm:
                core.wait_for(lambda: os.path.exists(result + ".ready"), 120, f"{kind} warm-up", proc, 0.01)
                _settle(status, WARM_LINES)
                time.sleep(3.0)
            cpu0 = core.cpu_seconds(sup) if sup else None
            if warm:
                open(result + ".go", "w").close()
            core.wait_for(lambda: os.path.exists(result), 600, f"{kind} flood", proc if supervised else None, 0.01)
            t0, t1 = (float(x) for x in open(result).read().split())
            _settle(status, expected, 10.0)
            cpu = core.cpu_seconds(sup) - cpu0 if sup else None
            load.append(core.load_average())
        finally:
            core.end(proc, supervised=supervised)
            if relay:
                relay.wait(timeout=60)
            reader.wait(timeout=60)
        got, total, last = _read_status(status)
        lost = expected - got
        return {"child_s": t1 - t0, "delivered_s": (last - t0) if lost == 0 else None, "agent_cpu_s": cpu,
                "lines_expected": expected, "lines_received": got, "bytes_received": total,
                "lines_lost": lost, "lost": lost > 0, "load": max(load)}


class Busy:
    """A CPU hog and a process that keeps touching 1 GiB (cache and memory bandwidth), beside the run."""
    HOG = "while True: pass"
    CHURN = "b = bytearray(1 << 30)\nwhile True:\n    for i in range(0, len(b), 4096): b[i] = (b[i] + 1) & 255"

    def __enter__(self):
        self.procs = [subprocess.Popen([core.PYTHON, "-c", self.HOG]), subprocess.Popen([core.PYTHON, "-c", self.CHURN])]
        time.sleep(2.0)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def summarize(runs, keys=("child_s", "delivered_s", "agent_cpu_s")):
    """Per kind: medians and ranges of `keys` over the runs that lost nothing, and how many lost lines."""
    out = {}
    for kind, rs in runs.items():
        ok = [r for r in rs if not r["lost"]]
        s = {"runs": len(rs), "lost_runs": len(rs) - len(ok),
             "load": [min(r["load"] for r in rs), max(r["load"] for r in rs)]}
        for key in keys:
            vals = [r[key] for r in ok if r[key] is not None]
            if vals:
                s[key] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
        out[kind] = s
    # baton over supervisord; between builds (--builds), the last over the first
    over, under = ("baton", "supervisord") if "baton" in runs else (list(runs)[-1], list(runs)[0])
    for key in ("child_s", "delivered_s", "agent_cpu_s"):
        b, v = out.get(over, {}).get(key), out.get(under, {}).get(key)
        if b and v and v["median"]:
            out.setdefault("ratio", {})[key] = b["median"] / v["median"]
    return out


CASES = [  # (name, lines, pattern, warm, busy)
    ("1M block cold", 1_000_000, "block", False, False),
    ("1M block warm", 1_000_000, "block", True, False),
    ("1M line cold", 1_000_000, "line", False, False),
    ("1M line warm", 1_000_000, "line", True, False),
    ("5M block warm", 5_000_000, "block", True, False),
    ("5M line warm", 5_000_000, "line", True, False),
    ("1M block warm busy", 1_000_000, "block", True, True),
    ("1M line warm busy", 1_000_000, "line", True, True),
]


def fmt(s, key):
    v = s.get(key)
    return f"{v['median']:.2f} ({v['min']:.2f}-{v['max']:.2f})" if v else "-"


def run_all(runs, log=print, cases=CASES, log_mode="raw", kinds=KINDS):
    results = {}
    for name, lines, pattern, warm, busy in cases:
        log(f"\n{name}: {lines:,} lines of {LINE_BYTES} B, {pattern} writes, baton log mode {log_mode}")

        def measure(kind):
            return flood(kind, lines, pattern, warm, log_mode)
        n = runs if lines <= 1_000_000 else max(2, runs // 2)
        if busy:
            with Busy():
                r = core.alternate(n, kinds, measure, name, log)
        else:
            r = core.alternate(n, kinds, measure, name, log)
        s = summarize(r)
        results[name] = {"lines": lines, "pattern": pattern, "warm": warm, "busy": busy, "log_mode": log_mode,
                         "runs": r, "summary": s}
        for kind in kinds:
            k = s[kind]
            log(f"  {kind:11s} child {fmt(k, 'child_s')} s  delivered {fmt(k, 'delivered_s')} s  "
                f"CPU {fmt(k, 'agent_cpu_s')} s  lost in {k['lost_runs']}/{k['runs']} runs  load {k['load'][0]:.1f}-{k['load'][1]:.1f}")
        log(f"  ratios {'baton/supervisord' if 'baton' in kinds else kinds[-1] + '/' + kinds[0]}: " + "  ".join(f"{k} {v:.2f}" for k, v in s.get("ratio", {}).items()))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="comma-separated case names (see CASES)")
    ap.add_argument("--out", help="write the results as JSON here")
    ap.add_argument("--log-mode", choices=["raw", "prefixed"], default="raw", help="baton's stdout log mode")
    ap.add_argument("--relay", action="store_true", help="also run the child through cat (the relay floor)")
    ap.add_argument("--builds", help="NAME=JAR,NAME=JAR: baton builds against each other instead of the supervisors")
    args = ap.parse_args()
    kinds = KINDS + ["cat"] if args.relay else KINDS
    if args.builds:
        for spec in args.builds.split(","):
            name, _, jar = spec.partition("=")
            if not jar or not os.path.isfile(jar):
                ap.error(f"--builds: {spec!r} is not NAME=JAR with an existing jar")
            BUILDS[name] = os.path.abspath(jar)
        kinds = ["baton:" + name for name in BUILDS]
    cases = CASES
    if args.only:
        wanted = [n.strip() for n in args.only.split(",")]
        unknown = [n for n in wanted if n not in [c[0] for c in CASES]]
        if unknown:  # a mistyped name used to run nothing for it, silently
            ap.error(f"--only: no case named {', '.join(map(repr, unknown))}; the cases: " + ", ".join(c[0] for c in CASES))
        cases = [c for c in CASES if c[0] in wanted]
    res = run_all(args.runs, lambda m: print(m, flush=True), cases, args.log_mode, kinds)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
