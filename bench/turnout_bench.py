"""Issue 9 budget: a proposal with turnout slots and divert candidates, 100 units.

One island with 100 units (the demo roster's Bonaire units and generated ones at its
stations), a third of them committed to other incidents, and every boat busy: the
proposal for a crashed aircraft off the coast (OV.LUC.NEE, eight slots) fills what it
can and lists divert candidates for the boat, through the real service and database.
"""

from __future__ import annotations

import itertools
import random
import tempfile
from pathlib import Path
from typing import Any

from bench.stats import Row, median, p95, timed
from meldkamer.core import Meldkamer
from meldkamer.demo import demo_roster, load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store

UNITS = 100
REPEAT = 300
CRASH = (12.12, -68.30)  # just off the coast south of Kralendijk
KINDS = [("police", "patrol_car", "P"), ("fire", "fire_engine", "B"),
         ("ambulance", "ambulance", "A"), ("fire", "water_tender", "B"),
         ("fire", "rescue", "B"), ("kmar", "kmar_patrol", "M")]


def _roster() -> dict[str, Any]:
    """Generated Bonaire units, so the island has UNITS in all, at the demo stations."""
    roster = demo_roster()
    have = sum(1 for u in roster["unit"] if u["island"] == "BO")
    stations = {s["discipline"]: s["code"] for s in roster["station"] if s["island"] == "BO"}
    units = []
    for n, (disc, cap, letter) in zip(range(UNITS - have), itertools.cycle(KINDS),
                                      strict=False):
        units.append({"callsign": f"{letter}-1{n + 50:02d}", "discipline": disc,
                      "capabilities": [cap], "station": stations[disc], "island": "BO"})
    return {"unit": units}


def _busy(core: Meldkamer) -> None:
    """A third of the units on other incidents, the boat among them, spread over the island."""
    rng = random.Random(9)
    units = [u.callsign for u in core.units.list_units(island="BO")]
    rng.shuffle(units)
    busy = [*[u for u in units if u != "K-101"][:UNITS // 3 - 1], "K-101"]
    for chunk in (busy[i:i + 3] for i in range(0, len(busy), 3)):
        number = core.incidents.create(
            caller_number="+599 717 1234", lat=12.05 + rng.random() * 0.25,
            lon=-68.40 + rng.random() * 0.2, classification="OO.OVL.GEL",
            priority=rng.choice([1, 2, 3]), priority_reason="bench").number
        core.dispatch.dispatch(number, list(chunk))


def run(ref: Reference) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        core = Meldkamer(Store(str(Path(tmp) / "turnout.sqlite3")), ref, user="bench")
        try:
            load_demo(core, incidents=False)
            core.units.import_roster(data=_roster(), demo=True)
            _busy(core)
            number = core.incidents.create(caller_number="+599 717 1234", lat=CRASH[0],
                                           lon=CRASH[1], classification="OV.LUC.NEE").number
            ps = core.dispatch.propose(number)
            assert len(core.units.list_units(island="BO")) == UNITS
            assert ps.gaps and all(s.divert for s in ps.gaps), "the bench needs divert work"
            samples = timed(lambda: core.dispatch.propose(number), REPEAT)
            at = timed(lambda: core.dispatch.propose_at(
                island="BO", lat=CRASH[0], lon=CRASH[1], classification="OV.LUC.NEE"), REPEAT)
        finally:
            core.close()
    note = (f"{len(ps.slots)} slots, {len(ps.gaps)} unfilled with "
            f"{sum(len(s.divert) for s in ps.gaps)} divert candidates, "
            f"{len(ps.proposals)} proposals; median {median(samples):.1f} ms")
    return [Row(f"proposal with turnout slots and divert candidates, {UNITS} units", "p95",
                p95(samples), 50, note),
            Row(f"proposal for a call being taken (propose_at), {UNITS} units", "p95",
                p95(at), 50)]
