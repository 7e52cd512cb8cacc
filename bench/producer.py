#!/usr/bin/env python3
"""A program that writes engine-like JSON lines to stdout, for the log benchmarks.

  producer.py flood N RESULT     write N lines of ~200 bytes as fast as the pipe takes them, then
                                 write the wall time (s) to RESULT and sleep (so nobody restarts it)
  producer.py paced RATE RESULT  write RATE lines per second (in 10 ms batches) until killed; RESULT
                                 gets the number of lines written so far, about every second
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


def flood(n, result):
    block = b"".join(line(i) for i in range(320))  # 64,000 bytes: 320 whole lines per write
    per = 320
    t0 = time.monotonic()
    written = 0
    while written < n:
        k = min(per, n - written)
        data = block if k == per else block[:200 * k]
        view = memoryview(data)
        while view:
            view = view[os.write(1, view):]
        written += k
    elapsed = time.monotonic() - t0
    with open(result + ".tmp", "w") as f:
        f.write(f"{elapsed:.6f}\n")
    os.replace(result + ".tmp", result)
    time.sleep(3600)


def paced(rate, result):
    per_tick = max(1, rate // 100)
    block = b"".join(line(i) for i in range(per_tick))
    t = time.monotonic()
    written = 0
    last_report = t
    while True:
        view = memoryview(block)
        while view:
            view = view[os.write(1, view):]
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
        flood(int(sys.argv[2]), sys.argv[3])
    elif mode == "paced":
        paced(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
