#!/usr/bin/env python3
"""A tiny stand-in for a Chainflip engine, for the handover latency benchmark.

  fake_engine.py OWN_VERSION RELEASE_FILE OUT_DIR NAME

Every 50 ms it reads the chain's release from RELEASE_FILE and prints what a real engine prints (the
real JSON lines): a WAITING line while it is newer than the release, the "Initialised
StateChainClient" line once compatible (equal major.minor), and the ERROR "no longer compatible"
line once it is older. Right before writing that line it takes CLOCK_MONOTONIC (t0); then it waits
for SIGTERM (blocked, taken with sigtimedwait) and takes the clock again (t1), writes "t0 t1 PID"
(ns; its pid, for the driver's --split) to OUT_DIR/lat-NAME and exits 0. A real engine exits by
itself after that line: this one waits, so the time to baton's stop signal can be measured (10 s
at most).
Markers for the driver: OUT_DIR/waiting-NAME, OUT_DIR/active-NAME.
"""
import os
import signal
import sys
import time

MONO = time.CLOCK_MONOTONIC


def json_line(level, message, target):
    return (f'{{"timestamp":"2025-05-01T12:00:00.000000Z","level":"{level}","fields":{{"message":"{message}"}},'
            f'"target":"{target}"}}\n').encode()


def major_minor(v):
    parts = v.strip().split(".")
    return int(parts[0]), int(parts[1])


def touch(path):
    with open(path, "w"):
        pass


def main():
    own, release_file, out, name = sys.argv[1:5]
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    observer = "chainflip_engine::state_chain_observer::client"
    os.write(1, f'Starting chainflip-engine v{own} (CI Build: "bench")\n'.encode())
    mine = major_minor(own)
    said = None
    block = 1000
    while True:
        try:
            with open(release_file) as f:
                release = f.read().strip()
            rel = major_minor(release)
        except (OSError, ValueError, IndexError):
            rel = None
        block += 1
        if rel is not None and (release, rel) != said:
            if rel == mine:
                os.write(1, json_line("INFO", f"Initialised StateChainClient at block `{block}`; block hash: `0x{block:064x}`",
                                      observer))
                touch(f"{out}/active-{name}")
            elif mine > rel:
                os.write(1, json_line("INFO", f"This version '{own}' is incompatible with the current release "
                                      f"'{release}' at block: 0x4d66\u2026fb38. WAITING for a compatible release version.",
                                      observer))
                touch(f"{out}/waiting-{name}")
            else:
                line = json_line("ERROR", f"This version '{own}' is no longer compatible with the release version "
                                 f"'{release}' at block: 0x4d66\u2026fb38", observer)
                t0 = time.clock_gettime_ns(MONO)
                os.write(1, line)
                got = signal.sigtimedwait([signal.SIGTERM], 10.0)
                t1 = time.clock_gettime_ns(MONO)
                with open(f"{out}/lat-{name}.tmp", "w") as f:
                    f.write(f"{t0} {t1 if got else -1} {os.getpid()}\n")
                os.replace(f"{out}/lat-{name}.tmp", f"{out}/lat-{name}")
                return 0
            said = (release, rel)
        if signal.sigtimedwait([signal.SIGTERM], 0.05) is not None:
            return 0


if __name__ == "__main__":
    sys.exit(main())
