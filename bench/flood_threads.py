#!/usr/bin/env python3
"""Where a supervisor's CPU goes in a warm flood: per-thread CPU time (schedstat, ns; the user and
system split in 10 ms ticks from stat) and context switches over the measured flood of delivery.py's
workload, from /proc/PID/task/*. Threads that exit during the flood are not counted.

  flood_threads.py KIND LINES PATTERN [LOG_MODE] [cold]     e.g. baton 3000000 block prefixed
KIND baton or supervisord, PATTERN block or line, LOG_MODE raw (default) or prefixed (baton only).
cold: the child floods as soon as it is spawned (no warm-up lines); the CPU counts from the spawn.
The baton under test: BATON_JAR (bin/baton's), BATON_JAVA_OPTS for extra JVM flags.
"""
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core, delivery
kind, lines, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "raw"
cold = "cold" in sys.argv[5:]
warm_lines = 0 if cold else delivery.WARM_LINES
def per_thread(pid):
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            s = open(f"/proc/{pid}/task/{t}/stat").read()
            name = s[s.index("(")+1:s.rindex(")")]
            f = s.rsplit(")", 1)[1].split()
            cs = 0
            for l in open(f"/proc/{pid}/task/{t}/status"):
                if l.startswith("voluntary_ctxt_switches") or l.startswith("nonvoluntary_ctxt_switches"): cs += int(l.split()[1])
            ns = int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0])  # runtime in ns, not ticks
            out[(t, name)] = (int(f[11]), int(f[12]), cs, ns, int(f[7]))  # f[7]: minor page faults
        except OSError: pass
    return out
with core.Workdir(kind) as work:
    result = os.path.join(work, "result"); status = os.path.join(work, "status")
    argv = [core.PYTHON, delivery.PRODUCER, "flood", str(lines), result, pattern, str(warm_lines)]
    reader = subprocess.Popen([core.PYTHON, delivery.CONSUMER, status], stdin=subprocess.PIPE)
    programs = [core.Program("producer", argv, "chainflip" if kind == "baton" else None, "1.0.0" if kind == "baton" else None)]
    proc = core.SUPERVISORS[kind](work, programs, log_mode=mode).start(stdout=reader.stdin)
    reader.stdin.close()
    try:
        if cold:
            core.wait_for(lambda: core.supervisor_children(proc.pid), 60, "spawn", proc, 0.001)
            a = per_thread(proc.pid)
        else:
            core.wait_for(lambda: os.path.exists(result + ".ready"), 120, "warm", proc, 0.01)
            delivery._settle(status, delivery.WARM_LINES); time.sleep(3)
            a = per_thread(proc.pid)
            open(result + ".go", "w").close()
        core.wait_for(lambda: os.path.exists(result), 600, "flood", proc, 0.01)
        delivery._settle(status, lines + warm_lines, 10)
        b = per_thread(proc.pid)
        rss = core.rss_mb(proc.pid)
        t0, t1 = (float(x) for x in open(result).read().split())
    finally:
        core.stop(proc); reader.wait()
tot_u = tot_s = tot_ns = 0
for k, (u, s, c, ns, flt) in sorted(b.items(), key=lambda kv: -kv[1][3]):
    u0, s0, c0, ns0, flt0 = a.get(k, (0, 0, 0, 0, 0)); du, ds, dns = u - u0, s - s0, ns - ns0
    tot_u += du; tot_s += ds; tot_ns += dns
    if dns >= 1e6: print(f"  {k[1]:20s} {dns/1e9:.3f} s (user {du/100:.2f} sys {ds/100:.2f} in ticks) ctxsw {c - c0} faults {flt - flt0}")
print(f"{kind} {mode} {pattern} {'cold' if cold else 'warm'} load {core.load_average():.1f} child {t1-t0:.2f} s total {tot_ns/1e9:.3f} s "
      f"(user {tot_u/100:.2f} sys {tot_s/100:.2f} in ticks) = {tot_ns/lines:.0f} ns/line, RSS after {rss:.1f} MB")
