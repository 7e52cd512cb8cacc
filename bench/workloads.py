#!/usr/bin/env python3
"""The idle, recognition, scale and API workloads (core.py has start, stop and RSS; delivery.py log
throughput; handover.py the handover latency). Each function measures one run of one supervisor and returns a dict.
"""
import os
import re
import subprocess
import time

import core

PRODUCER = os.path.join(core.BENCH, "producer.py")


def _sink():
    """The reader at the end of the supervisor's stdout: cat into /dev/null."""
    return subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)


# (d) log throughput is delivery.py: both write patterns, every line counted at the reader


# ---- (e) idle cost -----------------------------------------------------------------------------

def idle(minutes=1.0, warmup=5.0, log=print):
    """Both supervisors side by side with two quiet programs each: CPU time per idle minute."""
    procs, cpu0, works = {}, {}, []
    try:
        for kind in ("baton", "supervisord"):
            w = core.Workdir(kind)
            works.append(w)
            programs = [core.Program(f"p{i}", argv) for i, argv in enumerate(core.QUIET)]
            procs[kind] = core.SUPERVISORS[kind](w.path, programs, api=True).start()
        for kind, p in procs.items():
            core.wait_for(lambda: len(core.supervisor_children(p.pid)) >= 2, 60, kind, p)
        time.sleep(warmup)
        for kind, p in procs.items():
            cpu0[kind] = core.cpu_seconds(p.pid)
        per_minute = {k: [] for k in procs}
        last = dict(cpu0)
        t0 = time.monotonic()
        m = 0
        while m < minutes:
            step = min(1.0, minutes - m)
            time.sleep(60 * step)
            m += step
            for kind, p in procs.items():
                now = core.cpu_seconds(p.pid)
                per_minute[kind].append((now - last[kind]) / step)
                last[kind] = now
            log(f"  idle minute {m:.0f}/{minutes:.0f}: " + "  ".join(
                f"{k} {v[-1]:.3f} s CPU" for k, v in per_minute.items()))
        elapsed_min = (time.monotonic() - t0) / 60
        return {k: {"cpu_s_per_min": (last[k] - cpu0[k]) / elapsed_min, "per_minute": per_minute[k],
                    "minutes": elapsed_min} for k in procs}
    finally:
        for p in procs.values():
            core.stop(p)
        for w in works:
            w.__exit__(None, None, None)


# ---- (f) recognition cost end to end, and (h) per-line cost with many programs ----------------

def noise_cost(kind, programs=1, rate=100_000, seconds=10.0, groups=True):
    """The supervisor's CPU per line while `programs` producers emit `rate` lines/s in all (non-matching
    noise). With groups (baton), every producer is an engine, so each line goes through recognition."""
    with core.Workdir(kind) as work:
        per = rate // programs
        progs = []
        for i in range(programs):
            argv = [core.PYTHON, PRODUCER, "paced", str(per), os.path.join(work, f"count-{i}")]
            grouped = groups and kind == "baton"
            progs.append(core.Program(f"noise{i}", argv, "chainflip" if grouped else None, "1.0.0" if grouped else None))
        sink = _sink()
        proc = core.SUPERVISORS[kind](work, progs, log_mode="raw").start(stdout=sink.stdin)
        sink.stdin.close()
        try:
            core.wait_for(lambda: len(core.supervisor_children(proc.pid)) >= programs, 60, kind, proc)
            time.sleep(3.0)  # start-up and JIT out of the way
            counts = [os.path.join(work, f"count-{i}") for i in range(programs)]

            def total():
                n = 0
                for c in counts:
                    try:
                        n += int(open(c).read())
                    except (OSError, ValueError):
                        pass
                return n
            c0, n0, t0 = core.cpu_seconds(proc.pid), total(), time.monotonic()
            time.sleep(seconds)
            c1, n1, t1 = core.cpu_seconds(proc.pid), total(), time.monotonic()
        finally:
            core.stop(proc)
            sink.wait(timeout=30)
        lines = max(1, n1 - n0)
        return {"lines_per_s": lines / (t1 - t0), "cpu_percent": 100 * (c1 - c0) / (t1 - t0),
                "ns_per_line": (c1 - c0) * 1e9 / lines}


def recognizer_micro():
    """LineRecognizer alone (bench/RecognizerBench.java, compiled against the jar): ns per line."""
    out_dir = os.path.join(core.ROOT, "bench", "results", "classes")
    os.makedirs(out_dir, exist_ok=True)
    src = os.path.join(core.BENCH, "RecognizerBench.java")
    subprocess.run(["javac", "-d", out_dir, "-cp", core.JAR, src], check=True)
    res = {}
    for label, flags in (("c1", ["-XX:TieredStopAtLevel=1"]), ("c2", [])):
        out = subprocess.run(["java", "-XX:+UseSerialGC"] + flags + ["-cp", f"{out_dir}:{core.JAR}", "RecognizerBench"],
                             capture_output=True, text=True, check=True).stdout
        m = dict(re.findall(r"(\w+)=([0-9.]+)", out))
        res[label] = {k: float(v) for k, v in m.items()}
    return res


# ---- (g) API -----------------------------------------------------------------------------------

WRK_LUA = os.path.join(core.BENCH, "paced.lua")


def api_latency(path, rate=5000, seconds=10, connections=12):
    """baton's API under wrk at about `rate` requests/s (paced by a Lua delay per connection)."""
    with core.Workdir("api") as work:
        programs = [core.Program(f"p{i}", argv) for i, argv in enumerate(core.QUIET)]
        sup = core.Baton(work, programs, api=True)
        proc = sup.start()
        try:
            url = f"http://127.0.0.1:{sup.port}{path}"
            core.wait_for(lambda: _http_ok(url), 60, "api up", proc, 0.02)
            # warm-up, then the measured run
            # each connection: delay + latency (~0.3 ms here) per request
            env = dict(os.environ, WRK_DELAY_MS=f"{max(0.0, connections * 1000.0 / rate - 0.3):.3f}")
            subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", "-s", WRK_LUA, url], env=env,
                           capture_output=True, check=True)
            out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", WRK_LUA,
                                  url], env=env, capture_output=True, text=True, check=True).stdout
        finally:
            core.stop(proc)
    return _parse_wrk(out)


def _http_ok(url):
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except Exception:
        return False


def _parse_wrk(out):
    def ms(text):
        v, unit = re.match(r"([0-9.]+)(us|ms|s)", text).groups()
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    res = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[f"p{pct}_ms"] = ms(m.group(1))
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    res["req_per_s"] = float(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    return res


def status_wall(kind, runs=5):
    """`baton status` vs `supervisorctl status`: wall time of one call (median of runs), agent running."""
    with core.Workdir(kind) as work:
        programs = [core.Program(f"p{i}", argv) for i, argv in enumerate(core.QUIET)]
        sup = core.SUPERVISORS[kind](work, programs, api=True)
        proc = sup.start()
        try:
            core.wait_for(lambda: len(core.supervisor_children(proc.pid)) >= 2, 60, kind, proc)
            time.sleep(2.0)
            times = []
            for _ in range(runs):
                t = time.monotonic()
                r = subprocess.run(sup.status_command(), capture_output=True, text=True)
                times.append((time.monotonic() - t) * 1000)
                if "p0" not in r.stdout:
                    raise RuntimeError(f"{kind} status failed: {r.stdout} {r.stderr}")
        finally:
            core.stop(proc)
    return {"status_ms": sorted(times)[len(times) // 2], "all_ms": times}
