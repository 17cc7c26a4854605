"""A simulated radio network in a process of its own, for the workstation benchmarks.

``python -m bench.radio_feed RATE ISSI:VALUE_A:VALUE_B ...`` opens a pty with the radio
simulator, prints its path, waits for a line on stdin, then has the units send status
A and B in turn at RATE messages per second (spread over the units) until stdin sends a
second line or closes; it prints how many it sent. In its own process the network costs
the workstation under test no time, as a real radio network would not.
"""

from __future__ import annotations

import sys
import threading
import time


def main(argv: list[str]) -> int:
    from hardware.simulator import RadioSimulator

    rate = float(argv[0])
    units = [tuple(int(x) for x in spec.split(":")) for spec in argv[1:]]
    sim = RadioSimulator(None, [(u[0], 12.15, -68.27) for u in units], interval=None).start()
    print(sim.pty_path, flush=True)
    sys.stdin.readline()
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    sent = 0
    start = time.perf_counter()
    while not stop.is_set():
        due = start + sent / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        issi, first, second = units[sent % len(units)]
        turn = (sent // len(units)) % 2
        sim.inject_status(issi, second if turn else first)
        sent += 1
    time.sleep(0.5)  # the last messages leave the pty
    print(sent, flush=True)
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
