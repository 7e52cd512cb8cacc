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
COLORS = {"baton": "#2f6db5", "supervisord": "#c0504d", "cat": "#7f7f7f"}


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
    if "throughput" in w:
        s = w["throughput"]["summary"]
        panels.append(("1M log lines through stdout", "s (lower is better)", s["seconds"], w["throughput"]["cat_seconds"],
                       "cat"))
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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("results", nargs="?", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "img"))
    a = ap.parse_args()
    with open(a.results) as f:
        res = json.load(f)
    os.makedirs(a.out, exist_ok=True)
    for fn in (side_by_side, handover_chart, scale_chart):
        p = fn(res, a.out)
        if p:
            print(f"chart: {os.path.relpath(p, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
