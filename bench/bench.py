#!/usr/bin/env python3
"""baton vs supervisord: every workload, alternating runs, medians and ratios.

  bench.py [--quick | --full] [--only start,rss,throughput,idle,handover,recognition,api,scale] [--runs N]

--quick (default): 5 runs per workload, 1 idle minute, 1,000 handovers, 10 s noise; about 15 min.
--full: 9 runs, 10 idle minutes, 2,000 handovers, 30 s noise; about 45 min.
Writes bench/results/<time>.json and bench/results/latest.json; charts.py draws docs/img/ from it.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core  # noqa: E402
import delivery  # noqa: E402
import handover  # noqa: E402
import workloads  # noqa: E402

KINDS = ["baton", "supervisord"]
ALL = ["start", "rss", "throughput", "idle", "handover", "recognition", "api", "scale"]


def log(msg):
    print(msg, flush=True)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    sv = subprocess.run([core.PYTHON, "/usr/bin/supervisord", "--version"], capture_output=True, text=True).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "kernel": platform.release(),
            "java": java[1] if len(java) > 1 else java, "supervisord": sv, "python": platform.python_version(),
            "load_at_start": core.load_average()}


def summarize(results, keys):
    out = {}
    for key in keys:
        b, s = core.median(results["baton"], key), core.median(results["supervisord"], key)
        out[key] = {"baton": b, "supervisord": s, "ratio": (b / s) if b is not None and s else None}
    return out


def table(title, summary, units):
    log(f"\n{title}")
    log(f"  {'metric':22s} {'baton':>11s} {'supervisord':>12s} {'ratio':>7s}")
    for key, v in summary.items():
        b, s, r = v["baton"], v["supervisord"], v["ratio"]
        log(f"  {key + ' (' + units.get(key, '') + ')':22s} {b:11.3f} {s:12.3f} {r if r is not None else float('nan'):7.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true")
    mode.add_argument("--full", action="store_true")
    ap.add_argument("--only", default=",".join(ALL))
    ap.add_argument("--runs", type=int)
    ap.add_argument("--label", default="", help="added to the results file name (e.g. before)")
    args = ap.parse_args()
    full = args.full
    runs = args.runs or (9 if full else 5)
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        sys.exit(f"unknown workload(s): {', '.join(sorted(unknown))}; known: {', '.join(ALL)}")
    has_api = _baton_has_api()
    res = {"mode": "full" if full else "quick", "runs": runs, "label": args.label, "baton_root": core.BATON_ROOT, "started": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine(), "workloads": {}}
    log(f"mode {res['mode']}, {runs} runs per workload, load average {res['machine']['load_at_start']:.2f} "
        f"on {res['machine']['cores']} cores; baton API {'present' if has_api else 'not built yet'}")
    loads = []
    w = res["workloads"]

    if "start" in only:
        log("\n(b, c) start and stop, two quiet programs, API on")
        r = core.alternate(runs, KINDS, lambda k: core.start_stop(k, api=True), "start/stop", log)
        w["start_stop"] = {"runs": r, "summary": summarize(r, ["spawn_ms", "spawn_cpu_ms", "stop_ms", "rss_mb",
                                                                "rss_anon_mb", "threads"])}
        table("start / stop / RSS (two quiet programs)", w["start_stop"]["summary"],
              {"spawn_ms": "ms", "spawn_cpu_ms": "ms", "stop_ms": "ms", "rss_mb": "MB", "rss_anon_mb": "MB",
               "threads": "n"})
        loads.append(core.load_average())

    if "rss" in only:
        log("\n(a) RSS with two simulated engines, API on")
        r = core.alternate(max(3, runs // 2), KINDS, core.rss_engines, "rss", log)
        w["rss_engines"] = {"runs": r, "summary": summarize(r, ["rss_mb", "rss_anon_mb", "threads"])}
        table("RSS, two simulated engines", w["rss_engines"]["summary"], {"rss_mb": "MB", "rss_anon_mb": "MB", "threads": "n"})
        loads.append(core.load_average())

    if "throughput" in only:
        log("\n(d) log delivery: floods of 200-byte lines through the supervisor's stdout into a counting reader")
        w["delivery"] = delivery.run_all(max(3, runs // 2), log)
        loads.append(core.load_average())

    if "idle" in only:
        minutes = 10.0 if full else 1.0
        log(f"\n(e) idle cost: {minutes:.0f} minute(s), two quiet programs each, side by side")
        r = workloads.idle(minutes, log=log)
        w["idle"] = r
        b, s = r["baton"]["cpu_s_per_min"], r["supervisord"]["cpu_s_per_min"]
        log(f"  CPU per idle minute: baton {b:.4f} s, supervisord {s:.4f} s, ratio {b / s if s else float('nan'):.2f}")
        loads.append(core.load_average())

    if "handover" in only:
        groups, rounds = (10, 200) if full else (10, 100)
        log(f"\n(f) handover latency: {groups} groups x {rounds} rounds")
        r = handover.run(groups, rounds, gap=0.05, log=log)
        w["handover"] = r
        log(f"  {r['handovers']} handovers ({r['missing']} missing): p50 {r['p50_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, "
            f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms")
        loads.append(core.load_average())

    if "recognition" in only:
        secs = 30.0 if full else 10.0
        log(f"\n(f) recognition cost: 100k lines/s of non-matching noise for {secs:.0f} s")
        rr = {"baton-groups": [], "baton-no-groups": [], "supervisord": []}
        for i in range(max(3, runs // 2)):
            for label, fn in (("baton-groups", lambda: workloads.noise_cost("baton", seconds=secs, groups=True)),
                              ("baton-no-groups", lambda: workloads.noise_cost("baton", seconds=secs, groups=False)),
                              ("supervisord", lambda: workloads.noise_cost("supervisord", seconds=secs))):
                x = fn()
                rr[label].append(x)
                log(f"  noise run {i + 1} {label:16s} {x['lines_per_s']:8.0f} lines/s  CPU {x['cpu_percent']:5.1f}%  "
                    f"{x['ns_per_line']:6.0f} ns/line")
        micro = workloads.recognizer_micro()
        med = {k: {m: core.median(v, m) for m in ("cpu_percent", "ns_per_line", "lines_per_s")} for k, v in rr.items()}
        w["recognition"] = {"runs": rr, "median": med, "micro": micro,
                            "recognition_ns_per_line": med["baton-groups"]["ns_per_line"] - med["baton-no-groups"]["ns_per_line"]}
        log(f"  medians: " + "; ".join(f"{k} {v['cpu_percent']:.1f}% CPU, {v['ns_per_line']:.0f} ns/line" for k, v in med.items()))
        log(f"  recognition alone (end to end difference): {w['recognition']['recognition_ns_per_line']:.0f} ns/line; "
            f"micro benchmark (LineRecognizer, C1/C2): {micro['c1']['noise_ns_per_line']:.0f}/"
            f"{micro['c2']['noise_ns_per_line']:.0f} ns per noise line, {micro['c1']['matching_ns_per_line']:.0f}/"
            f"{micro['c2']['matching_ns_per_line']:.0f} ns per matching line")
        loads.append(core.load_average())

    if "api" in only:
        if not has_api:
            log("\n(g) API: skipped, this build has no HTTP API yet")
        else:
            log("\n(g) API: wrk at ~5,000 req/s, then one status call each")
            api = {}
            for path in ("/v1/status", "/metrics"):
                api[path] = [workloads.api_latency(path, seconds=20 if full else 10) for _ in range(3)]
                for x in api[path]:
                    log(f"  {path:12s} {x['req_per_s']:8.0f} req/s  p50 {x.get('p50_ms', 0):.3f} ms  "
                        f"p99 {x.get('p99_ms', 0):.3f} ms  non-2xx {x['non_2xx']}")
            st = core.alternate(runs, KINDS, workloads.status_wall, "status", log)
            w["api"] = {"wrk": api, "status": {"runs": st, "summary": summarize(st, ["status_ms"])},
                        "median": {p: {m: core.median(v, m) for m in ("req_per_s", "p50_ms", "p99_ms")} for p, v in api.items()}}
            table("status command", w["api"]["status"]["summary"], {"status_ms": "ms"})
        loads.append(core.load_average())

    if "scale" in only:
        counts = [2, 10, 25, 50]
        log(f"\n(h) scale: {counts} programs")
        sc = {"programs": counts, "baton": {}, "supervisord": {}}
        for n in counts:
            progs = [core.Program(f"p{i}", ["/bin/sleep", str(3600 + i)]) for i in range(n)]
            r = core.alternate(max(3, runs // 2), KINDS, lambda k: core.start_stop(k, progs, settle=3.0, api=True),
                               f"scale {n}", log)
            for k in KINDS:
                nc = workloads.noise_cost(k, programs=n, rate=100_000, seconds=5.0 if not full else 15.0)
                sc[k][n] = {"spawn_ms": core.median(r[k], "spawn_ms"), "rss_mb": core.median(r[k], "rss_mb"),
                            "stop_ms": core.median(r[k], "stop_ms"), "ns_per_line": nc["ns_per_line"],
                            "cpu_percent": nc["cpu_percent"]}
                log(f"  {n:2d} programs {k:11s} spawn {sc[k][n]['spawn_ms']:7.1f} ms  rss {sc[k][n]['rss_mb']:5.1f} MB  "
                    f"{nc['ns_per_line']:5.0f} ns/line at 100k lines/s")
        w["scale"] = sc
        loads.append(core.load_average())

    res["machine"]["load_during"] = loads
    res["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    out_dir = os.path.join(core.ROOT, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    label = f"-{args.label}" if args.label else ""
    path = os.path.join(out_dir, time.strftime("%Y%m%d-%H%M%S") + f"-{res['mode']}{label}.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    if not args.label:
        shutil.copyfile(path, os.path.join(out_dir, "latest.json"))
    log(f"\nresults: {path}{'' if args.label else ' (and bench/results/latest.json)'}; load averages during the run: "
        + ", ".join(f"{x:.1f}" for x in loads))


def _baton_has_api():
    out = subprocess.run(["unzip", "-l", core.JAR], capture_output=True, text=True).stdout
    return "dev/baton/api/ApiServer.class" in out


if __name__ == "__main__":
    sys.exit(main())
