#!/usr/bin/env python3
"""Draws the benchmark charts (PNG, docs/img/) from a results file (default bench/results/latest.json).

  charts.py [RESULTS.json] [--out DIR]
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLORS = {"baton": "#2f6db5", "supervisord": "#c0504d", "cat": "#7f7f7f", "none": "#7f7f7f"}


def bars(ax, labels, values, title, unit, colors, target=None, target_label=None):
    xs = range(len(labels))
    bs = ax.bar(xs, values, color=colors)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit)
    for b, v in zip(bs, values):
        ax.annotate(f"{v:.3g}", (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=8)
    if target is not None:
        ax.axhline(target, color="#333333", linestyle="--", linewidth=1)
        ax.annotate(target_label, (len(labels) - 0.5, target), ha="right", va="bottom", fontsize=7)


def side_by_side(res, out):
    w = res["workloads"]
    panels = []
    if "start_stop" in w:
        s = w["start_stop"]["summary"]
        panels.append(("start: launch -> both spawned", "ms", s["spawn_ms"], s["spawn_ms"]["supervisord"] / 10, "target 1/10"))
        panels.append(("stop: SIGTERM -> exit", "ms", s["stop_ms"], s["stop_ms"]["supervisord"] / 10, "target 1/10"))
    if "rss_engines" in w:
        s = w["rss_engines"]["summary"]
        panels.append(("RSS, two engines, API on", "MB", s["rss_mb"], s["rss_mb"]["supervisord"], "target"))
    if "idle" in w:
        i = w["idle"]
        panels.append(("idle CPU", "CPU s per minute", {"baton": i["baton"]["cpu_s_per_min"],
                                                       "supervisord": i["supervisord"]["cpu_s_per_min"]},
                       i["supervisord"]["cpu_s_per_min"], "target"))
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(3.1 * len(panels), 3.4))
    if len(panels) == 1:
        axes = [axes]
    for ax, (title, unit, v, target, tl) in zip(axes, panels):
        bars(ax, ["baton", "supervisord"], [v["baton"], v["supervisord"]], title, unit,
             [COLORS["baton"], COLORS["supervisord"]], target, tl)
    fig.suptitle(f"baton vs supervisord (medians, {res['mode']} run, {res['machine']['cores']} cores, "
                 f"load {res['machine']['load_at_start']:.1f})", fontsize=10)
    fig.tight_layout()
    path = os.path.join(out, "bench-side-by-side.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def delivery_chart(cases, out, name="bench-delivery.png"):
    """Per flood case: the child's wall time (baton, supervisord, no supervisor) and the supervisor's CPU
    (baton, supervisord); LOST where a run lost lines."""
    if not cases:
        return None
    labels = list(cases)
    fig, axes = plt.subplots(2, 1, figsize=(max(6, 1.3 * len(labels)), 7.0))
    panels = ((axes[0], "child_s", ["baton", "supervisord", "none"], "child's wall time, s"),
              (axes[1], "agent_cpu_s", ["baton", "supervisord"], "supervisor's CPU, s"))
    for ax, key, kinds, unit in panels:
        width = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            for i, label in enumerate(labels):
                s = cases[label]["summary"][kind]
                x = i + (k - (len(kinds) - 1) / 2) * width
                if s["lost_runs"]:
                    ax.annotate("LOST", (x, 0), ha="center", va="bottom", fontsize=7, color="red", rotation=90)
                    continue
                v = s.get(key)
                if not v:
                    continue
                ax.bar(x, v["median"], width, color=COLORS.get(kind, "#999999"), label=kind if i == 0 else None,
                       yerr=[[v["median"] - v["min"]], [v["max"] - v["median"]]], capsize=2)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels([l.replace(", ", "\n").replace(" block", "\n64 KB writes").replace(" line", "\nline writes")
                            .replace(" busy", "\nbusy") for l in labels], fontsize=7)
        ax.set_ylabel(unit + " (lower is better)", fontsize=8)
        ax.legend(fontsize=7)
    axes[0].set_title("floods of 200-byte lines, every line counted at the reader (median, min-max); "
                      "busy: a CPU hog and a 1 GiB memory churner beside", fontsize=9)
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def delivery_rows(name, case):
    """Markdown rows for one flood case: child time and agent CPU, or LOST."""
    s = case["summary"]

    def cell(kind, key):
        k = s[kind]
        if k["lost_runs"]:
            return f"**LOST** in {k['lost_runs']}/{k['runs']} runs"
        v = k.get(key)
        return f"{v['median']:.2f} s ({v['min']:.2f}-{v['max']:.2f})" if v else "-"
    load = s["baton"]["load"]
    out = []
    for key, what, target in (("child_s", "child's time", "<= 1.0"), ("agent_cpu_s", "supervisor CPU", "<= 1.0")):
        r = s.get("ratio", {}).get(key)
        met = "-" if r is None else ("yes" if r <= 1.0 else "**no**")
        floor = f"; no supervisor: {cell('none', 'child_s')}" if key == "child_s" else ""
        out.append(f"| {name}: {what} (load {load[0]:.0f}-{load[1]:.0f}{floor}) | {cell('baton', key)} | "
                   f"{cell('supervisord', key)} | {'-' if r is None else f'{r:.2f}'} | {target} | {met} |")
    return out


def handover_chart(res, out):
    h = res["workloads"].get("handover")
    if not h or not h.get("latencies_ms"):
        return None
    lat = sorted(h["latencies_ms"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.hist(lat, bins=60, color=COLORS["baton"])
    a.set_xlabel("ms: 'no longer compatible' written -> SIGTERM received")
    a.set_ylabel("handovers")
    a.set_title(f"{len(lat)} handovers: p50 {h['p50_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms", fontsize=10)
    a.axvline(5.0, color="#333333", linestyle="--", linewidth=1)
    ys = [100.0 * (i + 1) / len(lat) for i in range(len(lat))]
    b.plot(lat, ys, color=COLORS["baton"])
    b.set_xscale("log")
    b.set_xlabel("ms (log scale)")
    b.set_ylabel("% of handovers at or below")
    b.axvline(5.0, color="#333333", linestyle="--", linewidth=1)
    b.annotate("target p99 5 ms", (5.0, 5), fontsize=7)
    b.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path = os.path.join(out, "bench-handover.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scale_chart(res, out):
    s = res["workloads"].get("scale")
    if not s:
        return None
    ns = s["programs"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, key, title, unit in ((axes[0], "rss_mb", "RSS", "MB"), (axes[1], "spawn_ms", "start: launch -> all spawned", "ms"),
                                 (axes[2], "ns_per_line", "supervisor CPU per line (100k lines/s in all)", "ns")):
        for k in ("baton", "supervisord"):
            ax.plot(ns, [s[k][str(n)][key] if str(n) in s[k] else s[k][n][key] for n in ns], marker="o",
                    label=k, color=COLORS[k])
        ax.set_xlabel("programs")
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    path = os.path.join(out, "bench-scale.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(res):
    """The side-by-side table of docs/benchmarks.md, from a results file."""
    w = res["workloads"]
    rows = []

    def num(v):
        return "-" if v is None else f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"

    def row(name, b, s, unit, target, met):
        ratio = f"{b / s:.2f}" if b is not None and s else "-"
        verdict = "-" if met is None else "yes" if met else "**no**"
        rows.append(f"| {name} | {num(b)} {unit} | {num(s)} {unit if s is not None else ''} | {ratio} | {target} | {verdict} |")
    if "rss_engines" in w:
        v = w["rss_engines"]["summary"]["rss_mb"]
        row("RSS, two simulated engines, API on", v["baton"], v["supervisord"], "MB", "<= 1.0", v["ratio"] <= 1.0)
    if "start_stop" in w:
        s = w["start_stop"]["summary"]
        v = s["rss_mb"]
        row("RSS, two quiet programs, API on", v["baton"], v["supervisord"], "MB", "<= 1.0", v["ratio"] <= 1.0)
        v = s["spawn_ms"]
        row("start: launch -> both spawned", v["baton"], v["supervisord"], "ms", "<= 0.10", v["ratio"] <= 0.10)
        v = s["spawn_cpu_ms"]
        row("CPU used until both spawned", v["baton"], v["supervisord"], "ms", "-", None)
        v = s["stop_ms"]
        row("stop: SIGTERM -> exit", v["baton"], v["supervisord"], "ms", "<= 0.10", v["ratio"] <= 0.10)
    for name, case in w.get("delivery", {}).items():
        rows.extend(delivery_rows(name, case))
    if "idle" in w:
        b, s = w["idle"]["baton"]["cpu_s_per_min"], w["idle"]["supervisord"]["cpu_s_per_min"]
        rows.append(f"| idle CPU, two quiet programs ({w['idle']['baton']['minutes']:.0f} min) | {b:.4f} s/min | {s:.4f} s/min | "
                    f"{(b / s) if s else float('nan'):.2f} | <= 1.0 | {'yes' if b <= s else '**no**'} |")
    if "handover" in w:
        h = w["handover"]
        rows.append(f"| handover p50 / p99 ({h['handovers']} handovers) | {h['p50_ms']:.2f} / {h['p99_ms']:.2f} ms | "
                    f"(a human) | - | p99 < 5 ms | {'yes' if h['p99_ms'] < 5 else '**no**'} |")
    if "recognition" in w:
        r = w["recognition"]
        rows.append(f"| recognition at 100k lines/s of noise | {r['recognition_ns_per_line']:.0f} ns/line end to end "
                    f"({r['micro']['c1']['noise_ns_per_line']:.0f} ns in LineRecognizer) | none | - | cheap | - |")
    if "api" in w:
        for p, v in w["api"]["median"].items():
            rows.append(f"| API {p} at {v['req_per_s']:.0f} req/s, p50 / p99 | {v['p50_ms']:.2f} / {v['p99_ms']:.2f} ms | - | - "
                        f"| p99 < 2 ms | {'yes' if v['p99_ms'] < 2 else '**no**'} |")
        v = w["api"]["status"]["summary"]["status_ms"]
        row("`baton status` vs `supervisorctl status` (one call)", v["baton"], v["supervisord"], "ms", "-", None)
    head = ["| workload | baton | supervisord | ratio | target | met |", "|---|---|---|---|---|---|"]
    return "\n".join(head + rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--markdown", action="store_true", help="print the side-by-side table instead of drawing")
    ap.add_argument("results", nargs="?", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "img"))
    ap.add_argument("--delivery", action="store_true",
                    help="the results file is delivery.py's (--out of it): draw its chart and print its rows")
    a = ap.parse_args()
    with open(a.results) as f:
        res = json.load(f)
    if a.delivery:
        print(f"chart: {os.path.relpath(delivery_chart(res, a.out), ROOT)}")
        for name, case in res.items():
            print("\n".join(delivery_rows(name, case)))
        return
    if a.markdown:
        print(markdown(res))
        return
    os.makedirs(a.out, exist_ok=True)
    for fn in (side_by_side, handover_chart, scale_chart, lambda r, o: delivery_chart(r["workloads"].get("delivery"), o)):
        p = fn(res, a.out)
        if p:
            print(f"chart: {os.path.relpath(p, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
