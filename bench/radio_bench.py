"""Issue 8 budgets: radio statuses over a pty to a commit in the store.

- Sustained capacity: statuses at 200, 500, 1000, 2000 and 4000 per second, each rate for
  10 seconds (MELDKAMER_BENCH_RADIO_SECONDS changes it), lowest first. The capacity is the
  highest rate whose p99 stays <= 20 ms with every message committed; a rate that misses
  is tried once more (the note gives the first try: a machine shared with other work has
  spikes of its own), and the sweep stops at the first rate that misses twice.
- 200 per second while two busy-loop processes (in a session of their own, as another
  program would be) keep both cores busy: p99 <= 50 ms, none lost.

The workstation runs as in the control room: its runtime (scheduler with WAL checkpoints,
change-feed and unit-timer jobs) owns the radio link. Each status is a legal change (at
station <-> mobile), spread over the demo units. The latency runs from the write on the
pty (stamped by the feeder, a process of its own: ``bench/status_writer.py``) to the commit
of the batch that applied it (the link's ``on_applied`` hook fires after that commit).
The first 400 statuses of a rig warm it up and are not counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
from meldkamer.runtime import Runtime
from meldkamer.store.db import Store
from meldkamer.tuning import settle_after_start

RATES = (200, 500, 1000, 2000, 4000)
BUDGET_MS = 20.0
LOADED_RATE = 200
LOADED_BUDGET_MS = 50.0
CAPACITY_TARGET = 1000
WARM_UP = 400
DRAIN_S = 15.0
FEEDER = Path(__file__).with_name("status_writer.py")


class _Rig:
    """A core on a fresh SQLite file, a simulated radio on a pty and the radio link."""

    def __init__(self, ref: Reference, folder: str) -> None:
        self.core = Meldkamer(Store(str(Path(folder) / "radio.sqlite3")), ref, user="bench")
        load_demo(self.core, incidents=False)
        self.units = [u for u in self.core.units.list_units() if u.issi is not None]
        self.sim = RadioSimulator(None, [(u.issi, u.lat or 12.15, u.lon or -68.27)
                                         for u in self.units if u.issi], interval=None).start()
        assert self.sim.pty is not None and self.sim.pty.fd is not None
        self.fd = self.sim.pty.fd
        # The workstation's own runtime: its scheduler checkpoints the WAL and polls the
        # change feed and the unit timers while the radio works, as in the control room.
        self.runtime = Runtime(self.core, [GatewayConfig("bench", str(self.sim.pty_path))])
        self.runtime.start()
        assert self.runtime.radio is not None
        self.link: RadioLink = self.runtime.radio
        self.link.on_applied = self._applied
        self._lock = threading.Lock()
        self._pending: dict[int, deque[int]] = defaultdict(deque)
        self._committed: list[tuple[int, float]] = []
        plan = self.core.ref.radio
        self._values = {
            True: plan.value_of(self.core.ref.statuses["available_mobile"].radio),
            False: plan.value_of(self.core.ref.statuses["available_station"].radio),
        }
        self._at_station = {u.issi: u.status == "available_station" for u in self.units}
        deadline = time.monotonic() + 15
        while not self.link.gateways["bench"].ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not come up on the simulator's pty")
            time.sleep(0.05)
        settle_after_start()  # as the workstation does once it has loaded
        self.run(LOADED_RATE, WARM_UP)

    def _applied(self, event: HardwareEvent, at: float) -> None:
        if isinstance(event, StatusReceived):
            with self._lock:
                pending = self._pending[event.issi]
                if pending:  # else a late one from a run that gave up waiting
                    self._committed.append((pending.popleft(), at))

    def run(self, rate: int, count: int) -> tuple[list[float], int, str]:
        """Send ``count`` statuses at ``rate``/s; latencies (ms), lost, and a note."""
        messages: list[tuple[int, int]] = []
        with self._lock:
            self._committed = []
            for i in range(count):
                issi = self.units[i % len(self.units)].issi
                assert issi is not None
                messages.append((issi, self._values[self._at_station[issi]]))
                self._at_station[issi] = not self._at_station[issi]
                self._pending[issi].append(i)
        batches = self.link.counts["batches"]
        plan = json.dumps({"fd": self.fd, "rate": rate, "messages": messages,
                           "own_issi": self.sim.own_issi})
        feeder = subprocess.run([sys.executable, str(FEEDER)], input=plan, pass_fds=(self.fd,),
                                capture_output=True, text=True, check=True)
        written: list[float] = json.loads(feeder.stdout)
        sent_for = written[-1] - written[0]
        drain = time.monotonic() + DRAIN_S
        while len(self._committed) < count and time.monotonic() < drain:
            time.sleep(0.02)
        with self._lock:
            committed = list(self._committed)
            for queue in self._pending.values():
                queue.clear()  # what did not arrive in time must not shift later runs
        latencies = [(at - written[i]) * 1000 for i, at in committed]
        batches = max(1, self.link.counts["batches"] - batches)
        note = (f"{count} sent in {sent_for:.1f} s, lost {count - len(committed)}, median "
                f"{median(latencies) if latencies else float('nan'):.1f} ms, max "
                f"{max(latencies, default=float('nan')):.0f} ms, "
                f"{len(committed) / batches:.1f} per batch")
        return latencies, count - len(committed), note

    def close(self) -> None:
        self.runtime.stop()  # the radio, the scheduler, then the core
        self.sim.stop()


def _busy_cores() -> list[subprocess.Popen[bytes]]:
    """Two processes (one per core) that spin until killed.

    Each in a session of its own, as another program would be: with Linux's autogroup
    scheduling, children in the bench's session would share one CPU share with the
    workstation under test instead of competing with it as a separate program does.
    """
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                             start_new_session=True)
            for _ in range(max(2, os.cpu_count() or 2))]


def run(ref: Reference) -> list[Row]:
    seconds = float(os.environ.get("MELDKAMER_BENCH_RADIO_SECONDS", "10"))
    rows: list[Row] = []
    capacity = 0
    with tempfile.TemporaryDirectory() as tmp:
        rig = _Rig(ref, tmp)
        try:
            for rate in RATES:
                first = ""
                for attempt in range(2):  # a second try when a spike from elsewhere hit
                    latencies, lost, note = rig.run(rate, int(rate * seconds))
                    value = p99(latencies) if len(latencies) > 1 else float("inf")
                    passed = not lost and value <= BUDGET_MS
                    if passed or attempt:
                        break
                    first = f"; first try p99 {value:.1f} ms"
                rows.append(Row(f"radio status over a pty to commit, {rate}/s for "
                                f"{seconds:g} s", "p99", value, BUDGET_MS, note + first))
                if not passed:
                    break
                capacity = rate
        finally:
            rig.close()
    rows.insert(0, Row("radio sustained capacity (p99 <= 20 ms, none lost)", "max rate",
                       capacity, CAPACITY_TARGET, f"of {', '.join(map(str, RATES))}/s",
                       unit="/s", higher_is_better=True))
    with tempfile.TemporaryDirectory() as tmp:
        rig = _Rig(ref, tmp)
        busy = _busy_cores()
        try:
            time.sleep(0.5)  # let the spinners take the cores
            latencies, lost, note = rig.run(LOADED_RATE, int(LOADED_RATE * seconds))
        finally:
            for proc in busy:
                proc.kill()
                proc.wait()
            rig.close()
    rows.append(Row(f"radio status to commit, {LOADED_RATE}/s for {seconds:g} s, "
                    f"{len(busy)} busy processes", "p99",
                    p99(latencies) if len(latencies) > 1 else float("inf"), LOADED_BUDGET_MS,
                    note + ("" if lost == 0 else "  LOST MESSAGES")))
    return rows
