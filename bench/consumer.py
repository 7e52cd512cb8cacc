#!/usr/bin/env python3
"""The reader at the end of a supervisor's stdout, as fast as cat: reads 1 MiB at a time and counts
the producer's lines (by a marker only they carry) and all bytes; every 20 ms (and at EOF) writes
"lines bytes last" to STATUS (also once input pauses), last being the CLOCK_MONOTONIC time a producer line last arrived.

  consumer.py STATUS
"""
import os
import select
import sys
import time

MARKER = b"chainflip_engine::witness::eth"


def main(status):
    lines = total = 0
    last = 0.0
    carry = b""
    next_report = 0.0

    def report():
        with open(status + ".tmp", "w") as f:
            f.write(f"{lines} {total} {last:.6f}\n")
        os.replace(status + ".tmp", status)

    dirty = False
    while True:
        if dirty and not select.select([0], [], [], 0.02)[0]:
            report()  # a pause: the count so far is final until more comes
            dirty = False
            continue
        data = os.read(0, 1 << 20)
        if not data:
            break
        total += len(data)
        chunk = carry + data
        found = chunk.count(MARKER)
        if found:
            lines += found
            last = time.monotonic()
        carry = chunk[-(len(MARKER) - 1):]
        now = time.monotonic()
        dirty = True
        if now >= next_report:
            report()
            dirty = False
            next_report = now + 0.02
    report()


if __name__ == "__main__":
    main(sys.argv[1])
