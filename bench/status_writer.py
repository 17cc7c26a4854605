"""The far end of the radio benchmark: writes status SDS on a pty master at a steady rate.

Runs as its own process (``python -m bench.status_writer``), as a radio network would be,
so the workstation under test does not pay for producing its own traffic. It inherits
the pty master's file descriptor, reads the plan as JSON on stdin, writes each message
as one PEI unsolicited result and answers with the ``time.perf_counter()`` of every
write (CLOCK_MONOTONIC on Linux, the same clock in every process).
"""

from __future__ import annotations

import json
import os
import select
import sys
import time


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # the gateway reads slower than we write: wait for room
            select.select([], [fd], [], 1.0)


def feed(fd: int, rate: float, messages: list[tuple[int, int]], own_issi: int) -> list[float]:
    """Write ``(issi, status value)`` messages ``1/rate`` apart; returns each write time."""
    frames = [f"+CTSDSR: 13,{issi},0,{own_issi},0,16\r\n{value & 0xFFFF:04X}\r\n".encode()
              for issi, value in messages]
    written = [0.0] * len(frames)
    start = time.perf_counter() + 0.05
    for i, frame in enumerate(frames):
        due = start + i / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        written[i] = time.perf_counter()
        _write_all(fd, frame)
    return written


def main() -> int:
    plan = json.load(sys.stdin)
    written = feed(int(plan["fd"]), float(plan["rate"]),
                   [(int(a), int(b)) for a, b in plan["messages"]], int(plan["own_issi"]))
    json.dump(written, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
