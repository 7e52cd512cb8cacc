#!/usr/bin/env python3
"""Shared pieces of baton's benchmarks, and the core workloads: start, stop and RSS.

Each workload runs baton and supervisord (Debian's `supervisor`) on the same programs, alternating
them run by run, and keeps every run; callers report medians and ratios. Loopback only, bounded,
everything stops by itself.

  start   launch of the supervisor -> both programs spawned (children seen in /proc, polled every 1 ms),
          plus the supervisor's own CPU time (utime+stime) at that moment
  rss     RSS of the supervisor 5 s after both programs run: two quiet programs, and two simulated
          Chainflip engines (dev.baton.sim.EngineSimulator), with its API on (baton's HTTP API,
          supervisord's XML-RPC socket), no cluster
  stop    SIGTERM to the supervisor -> the supervisor has exited (both programs gone)

Run alone: python3 core.py [--runs N]. The full suite: bench/run.sh.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
# The baton under test: this checkout, or another build's checkout (BENCH_BATON_ROOT, for before/after)
BATON_ROOT = os.environ.get("BENCH_BATON_ROOT", ROOT)
JAR = os.path.join(BATON_ROOT, "agent", "target", "baton.jar")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
QUIET = [["/bin/sleep", "3600"], ["/bin/sleep", "3601"]]
TICK = os.sysconf("SC_CLK_TCK")


# ---- /proc -----------------------------------------------------------------------------------

def children_of(pid):
    kids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return kids


def supervisor_children(pid):
    """children_of(pid) once pid is the supervisor itself: bin/baton is a shell script that runs a few
    commands (dirname, sed: children too) before it execs java, so until then there are none."""
    try:
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return []
    return [] if exe in ("sh", "dash", "bash") else children_of(pid)


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid):
    return status_kb(pid, "VmRSS") / 1024.0


def _stat_ticks(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pid):
    """CPU time of a process (all its threads, those that have exited too), in seconds.

    utime + stime come in clock ticks (10 ms), too coarse beside a 1M-line flood's 0.2 s: each
    live thread's time is read in nanoseconds from its schedstat instead (the same runtime the ticks
    are scaled from); only the exited threads' part stays in ticks.
    """
    total_ticks = _stat_ticks(f"/proc/{pid}/stat")
    live_ticks = live_ns = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                ticks = _stat_ticks(f"/proc/{pid}/task/{tid}/stat")
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    ns = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # exited meanwhile: its time is in the process's ticks
            live_ticks += ticks
            live_ns += ns
    except OSError:
        return total_ticks / TICK
    return live_ns / 1e9 + max(0, total_ticks - live_ticks) / TICK


def threads(pid):
    return status_kb(pid, "Threads")


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, proc=None, step=0.001):
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the supervisor exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(step)


def sim_engine(version, release_file, block_time="1s"):
    """The argv of one simulated Chainflip engine (a small JVM)."""
    return ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k", "-XX:-UsePerfData",
            "-cp", JAR, "dev.baton.sim.EngineSimulator", "--version", version, "--release-file", release_file,
            "--block-time", block_time]


# ---- the two supervisors -----------------------------------------------------------------------

def toml_str(s):
    return json.dumps(s)


class Program:
    """One supervised program. group/version only mean something to baton (engine groups)."""

    def __init__(self, name, argv, group=None, version=None):
        self.name, self.argv, self.group, self.version = name, argv, group, version


def _hangup_default():
    """In the agent's child, before exec: SIGHUP back to its default. A bench run under nohup has it
    ignored, the JVM keeps an ignored signal ignored (the agent warns), and the reloads the workloads
    send as SIGHUP would do nothing (the handover bench then waits for engines that never start)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Baton:
    kind = "baton"

    def __init__(self, work, programs, api=False, log_mode="raw", env=None, profile_groups=()):
        self.work, self.programs, self.api, self.log_mode = work, programs, api, log_mode
        self.env = env
        self.port = free_port() if api else None
        self.conf = os.path.join(work, "baton.toml")
        self.profile_groups = profile_groups
        self.write_config(programs)

    def write_config(self, programs):
        self.programs = programs
        lines = ["[agent]", f'state_dir = {toml_str(self.work + "/state")}', f'log_mode = "{self.log_mode}"',
                 'shutdown_timeout = "30s"', "", "[api]", f"enabled = {'true' if self.api else 'false'}"]
        if self.api:
            lines += [f"port = {self.port}", f'token_file = {toml_str(self.work + "/token")}']
        lines.append("")
        groups = sorted({p.group for p in programs if p.group} | set(self.profile_groups))
        for g in groups:
            lines += [f"[groups.{g}]", 'profile = "chainflip"', ""]
        for p in programs:
            lines += [f"[programs.{p.name}]", "command = [" + ", ".join(toml_str(a) for a in p.argv) + "]",
                      'stop_timeout = "10s"']
            if p.group:
                lines.append(f"engine_group = {toml_str(p.group)}")
            if p.version:
                lines.append(f"version = {toml_str(p.version)}")
            lines.append("")
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines))
        os.replace(tmp, self.conf)

    def command(self):
        return [os.path.join(BATON_ROOT, "bin", "baton"), "run", "--config", self.conf]

    def start(self, stdout=subprocess.DEVNULL):
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env.pop("JOURNAL_STREAM", None)
        if self.env:
            env.update(self.env)
        return subprocess.Popen(self.command(), stdout=stdout, stderr=subprocess.DEVNULL, env=env,
                                preexec_fn=_hangup_default)

    def reload(self, proc):
        proc.send_signal(signal.SIGHUP)

    def status_command(self):
        return [os.path.join(BATON_ROOT, "bin", "baton"), "status", "--url", f"http://127.0.0.1:{self.port}"]


class Supervisord:
    kind = "supervisord"

    def __init__(self, work, programs, api=False, log_mode="raw", env=None, profile_groups=()):
        self.work, self.programs, self.api = work, programs, api
        self.conf = os.path.join(work, "supervisord.conf")
        self.sock = os.path.join(work, "supervisor.sock")
        self.write_config(programs)

    def write_config(self, programs):
        self.programs = programs
        w = self.work
        lines = ["[supervisord]", "nodaemon=true", f"logfile={w}/supervisord.log", f"pidfile={w}/supervisord.pid",
                 f"childlogdir={w}", ""]
        if self.api:
            lines += ["[unix_http_server]", f"file={self.sock}", "",
                      "[rpcinterface:supervisor]",
                      "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
                      "[supervisorctl]", f"serverurl=unix://{self.sock}", ""]
        for p in programs:
            lines += [f"[program:{p.name}]", f"command={shlex.join(p.argv)}", "stdout_logfile=/dev/fd/1",
                      "stdout_logfile_maxbytes=0", "redirect_stderr=true", "stopwaitsecs=10", ""]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))

    def command(self):
        return [PYTHON, "/usr/bin/supervisord", "-c", self.conf]

    def start(self, stdout=subprocess.DEVNULL):
        return subprocess.Popen(self.command(), stdout=stdout, stderr=subprocess.DEVNULL)

    def status_command(self):
        return ["supervisorctl", "-c", self.conf, "status"]


SUPERVISORS = {"baton": Baton, "supervisord": Supervisord}


class Workdir:
    def __init__(self, kind):
        self.path = tempfile.mkdtemp(prefix=f"baton-bench-{kind}-")

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def end(proc, supervised):
    """After a run: a supervisor is stopped (SIGTERM, as `stop`), a program run without one is killed."""
    if supervised:
        stop(proc)
    else:
        proc.kill()
        proc.wait()


def stop(proc, timeout=60):
    """SIGTERM, then the time until the supervisor exited (ms)."""
    if proc.poll() is not None:
        return 0.0
    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return (time.monotonic() - t) * 1000


def alternate(runs, kinds, measure, label, log=print):
    """Runs measure(kind) runs times, alternating the kinds; returns {kind: [result, ...]}."""
    results = {k: [] for k in kinds}
    for i in range(runs):
        order = kinds if i % 2 == 0 else list(reversed(kinds))
        for kind in order:
            r = measure(kind)
            results[kind].append(r)
            log(f"  {label} run {i + 1}/{runs} {kind:11s} " + "  ".join(
                f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))
    return results


def median(results, key):
    vals = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(vals) if vals else None


# ---- workloads: start, stop, RSS ---------------------------------------------------------------

def start_stop(kind, programs=None, settle=5.0, api=False):
    """Launch -> all programs spawned (ms, and CPU s), RSS after settle, SIGTERM -> exit (ms)."""
    programs = programs or [Program(f"p{i}", argv) for i, argv in enumerate(QUIET)]
    with Workdir(kind) as work:
        sup = SUPERVISORS[kind](work, programs, api=api)
        t0 = time.monotonic()
        proc = sup.start()
        try:
            wait_for(lambda: len(supervisor_children(proc.pid)) >= len(programs), 60, f"{kind} spawn", proc)
            spawn_ms = (time.monotonic() - t0) * 1000
            spawn_cpu_ms = cpu_seconds(proc.pid) * 1000
            time.sleep(settle)
            rss = rss_mb(proc.pid)
            anon = status_kb(proc.pid, "RssAnon") / 1024.0
            nthreads = threads(proc.pid)
            stop_ms = stop(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return {"spawn_ms": spawn_ms, "spawn_cpu_ms": spawn_cpu_ms, "rss_mb": rss, "rss_anon_mb": anon,
                "threads": nthreads, "stop_ms": stop_ms}


def rss_engines(kind, settle=8.0):
    """RSS with two simulated engines and the API on."""
    with Workdir(kind + "-rel") as rel:
        release = os.path.join(rel, "release")
        with open(release, "w") as f:
            f.write("1.0.0\n")
        programs = [Program("engine-1-0", sim_engine("1.0.3", release), "chainflip", "1.0.3"),
                    Program("engine-1-1", sim_engine("1.1.0", release), "chainflip", "1.1.0")]
        r = start_stop(kind, programs, settle=settle, api=True)
        return {"rss_mb": r["rss_mb"], "rss_anon_mb": r["rss_anon_mb"], "threads": r["threads"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    res = alternate(args.runs, ["baton", "supervisord"], lambda k: start_stop(k, api=True), "core")
    print(f"\n{'metric (median of %d)' % args.runs:24s} {'baton':>10s} {'supervisord':>12s} {'ratio':>8s}")
    for key in ("spawn_ms", "spawn_cpu_ms", "rss_mb", "stop_ms"):
        b, s = median(res["baton"], key), median(res["supervisord"], key)
        print(f"{key:24s} {b:10.1f} {s:12.1f} {b / s:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
