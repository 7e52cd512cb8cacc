#!/usr/bin/env python3
"""A program that writes engine-like JSON lines to stdout, for the log benchmarks.

  producer.py flood N RESULT [block|line] [WARM]
                                 write N lines of 200 bytes as fast as the pipe takes them, 64,000
                                 bytes per write(2) (block) or one write(2) per line (line, what a
                                 line-buffered engine does); then write "start end" (CLOCK_MONOTONIC,
                                 s) to RESULT and sleep (so nobody restarts it). With WARM > 0: first
                                 WARM lines, then RESULT.ready, then wait for RESULT.go
  producer.py paced RATE RESULT [block|line]
                                 write RATE lines per second (in 10 ms batches: one write(2) per batch,
                                 or with line one per line) until killed; RESULT gets the number of
                                 lines written so far, about every second
None of these lines matches a recognition rule: they are the noise an engine prints between events.
"""
import os
import sys
import time


def line(i):
    msg = (f'{{"timestamp":"2025-05-01T12:00:00.{i % 1000000:06d}Z","level":"DEBUG","fields":{{"message":'
           f'"Processing block {1000000 + i}: 12 extrinsics, 3 events, witnessing ok"}},'
           f'"target":"chainflip_engine::witness::eth"}}')
    return (msg + " " * max(0, 199 - len(msg))).encode() + b"\n"


def write_all(data):
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


def write_lines(n, per_line):
    block = b"".join(line(i) for i in range(320))  # 64,000 bytes: 320 whole lines per write
    lines = [block[200 * i:200 * (i + 1)] for i in range(320)]
    written = 0
    while written < n:
        k = min(320, n - written)
        if per_line:
            for i in range(k):
                write_all(lines[i])
        else:
            write_all(block if k == 320 else block[:200 * k])
        written += k


def flood(n, result, pattern="block", warm=0):
    per_line = pattern == "line"
    if warm > 0:
        write_lines(warm, per_line)
        open(result + ".ready", "w").close()
        while not os.path.exists(result + ".go"):
            time.sleep(0.005)
    t0 = time.monotonic()
    write_lines(n, per_line)
    t1 = time.monotonic()
    with open(result + ".tmp", "w") as f:
        f.write(f"{t0:.6f} {t1:.6f}\n")
    os.replace(result + ".tmp", result)
    time.sleep(3600)


def paced(rate, result, pattern="block"):
    per_tick = max(1, rate // 100)
    block = b"".join(line(i) for i in range(per_tick))
    lines = [line(i) for i in range(per_tick)]
    t = time.monotonic()
    written = 0
    last_report = t
    while True:
        if pattern == "line":
            for one in lines:
                write_all(one)
        else:
            write_all(block)
        written += per_tick
        t += 0.01
        now = time.monotonic()
        if now - last_report >= 1.0:
            with open(result + ".tmp", "w") as f:
                f.write(f"{written}\n")
            os.replace(result + ".tmp", result)
            last_report = now
        if t > now:
            time.sleep(t - now)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "flood":
        flood(int(sys.argv[2]), sys.argv[3], *(sys.argv[4:5]), *(int(a) for a in sys.argv[5:6]))
    elif mode == "paced":
        paced(int(sys.argv[2]), sys.argv[3], *(sys.argv[4:5]))
    else:
        sys.exit(__doc__)
