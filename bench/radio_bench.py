"""Issue 5 budget: statuses from a simulated radio over a pty to a commit in the store.

200 status messages per second for 60 seconds (MELDKAMER_BENCH_RADIO_SECONDS changes the
length), spread over the demo units, each one a legal change (at station <-> mobile).
Latency is measured from the simulator's write to the moment the service call that
applied it has committed; every message must arrive.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from bench.stats import Row, median, p99
from hardware.events import HardwareEvent, StatusReceived
from hardware.simulator import RadioSimulator
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.radio import GatewayConfig, RadioLink
from meldkamer.store.db import Store
from meldkamer.tuning import settle_after_start

RATE = 200


def run(ref: Reference) -> list[Row]:
    seconds = float(os.environ.get("MELDKAMER_BENCH_RADIO_SECONDS", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        core = Meldkamer(Store(str(Path(tmp) / "radio.sqlite3")), ref, user="bench")
        load_demo(core, incidents=False)
        units = [u for u in core.units.list_units() if u.issi is not None]
        sim = RadioSimulator(None, [(u.issi, u.lat or 12.15, u.lon or -68.27) for u in units
                                    if u.issi], interval=None).start()
        link = RadioLink(core, [GatewayConfig("bench", str(sim.pty_path))]).start()
        written: dict[int, deque[float]] = defaultdict(deque)
        latencies: list[float] = []
        lock = threading.Lock()

        def applied(event: HardwareEvent, at: float) -> None:
            if isinstance(event, StatusReceived):
                with lock:
                    latencies.append((at - written[event.issi].popleft()) * 1000)

        link.on_applied = applied
        deadline = time.monotonic() + 15
        while not link.gateways["bench"].ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not come up on the simulator's pty")
            time.sleep(0.05)
        settle_after_start()  # as the workstation does once it has loaded
        plan = core.ref.radio
        mobile = plan.value_of(core.ref.statuses["available_mobile"].radio)
        station = plan.value_of(core.ref.statuses["available_station"].radio)
        at_station = {u.issi: u.status == "available_station" for u in units}
        total = int(RATE * seconds)
        start = time.perf_counter()
        for i in range(total):
            due = start + i / RATE
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            unit = units[i % len(units)]
            issi = unit.issi
            assert issi is not None
            value = mobile if at_station[issi] else station
            at_station[issi] = not at_station[issi]
            with lock:
                written[issi].append(time.perf_counter())
            sim.inject_status(issi, value)
        sent_for = time.perf_counter() - start
        drain = time.monotonic() + 30
        while len(latencies) < total and time.monotonic() < drain:
            time.sleep(0.05)
        link.stop()
        sim.stop()
        refused = link.counts["refused"]
        core.close()
    lost = total - len(latencies)
    note = (f"{total} sent in {sent_for:.1f} s, {len(latencies)} committed, lost {lost}, "
            f"refused {refused}, median {median(latencies):.1f} ms")
    return [Row(f"radio status over a pty to commit, {RATE}/s for {seconds:.0f} s", "p99",
                p99(latencies) if latencies else float("inf"), 20,
                note + ("" if lost == 0 else "  LOST MESSAGES"))]
