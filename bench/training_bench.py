"""Issue 10: the hurricane scenario headless at the machine's pace, and at 60x with the
workstation open (``bench/training_gui.py``: the GUI event loop's latency).

Headless: with the autopilot taking all its calls through the intake session (wall time
for the whole run, and per call), and without it (the engine's own overhead per inject:
the calls ring, the units' events go through the services), each on a fresh training
database with the demo roster.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.stats import Row
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store
from meldkamer.training import load, play, shipped


def _run(ref: Reference, autopilot: bool) -> tuple[float, int, float]:
    scenario = load(next(p for p in shipped() if p.stem == "hurricane-night-bonaire"), ref)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "training.sqlite3"))
        store.mark_training()
        core = Meldkamer(store, ref, user="bench")
        try:
            load_demo(core, incidents=False)
            t0 = time.perf_counter()
            engine, score = play(core, scenario, autopilot=autopilot)
            wall = (time.perf_counter() - t0) * 1000
        finally:
            core.close()
    return wall, len(engine.log), score.score


def run(ref: Reference) -> list[Row]:
    wall, events, score = _run(ref, autopilot=True)
    calls = 160
    bare, bare_events, _ = _run(ref, autopilot=False)
    from bench import training_gui

    return [
        Row("hurricane scenario headless with autopilot (160 calls, 3 h simulated)", "wall",
            wall, None, f"score {score}; {wall / calls:.1f} ms per call; {events} log entries",
            unit="ms"),
        Row("training engine overhead per inject (hurricane, no autopilot)", "mean",
            bare / max(1, bare_events), None, f"{bare_events} injects in {bare:.0f} ms"),
        *training_gui.run(ref),
    ]
