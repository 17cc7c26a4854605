"""Roster import: schema check and diff of a large roster (dry run), and writing it.

A site roster of 2,000 units over the demo stations, through the real service on a SQLite
file: the price of checking every entry with the pydantic schema and comparing it field by
field with the database before anything is written.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from bench.stats import Row, median, timed
from meldkamer.core import Meldkamer
from meldkamer.demo import demo_roster, load_demo
from meldkamer.domain.reference import Reference
from meldkamer.exchange.schemas import validate_roster
from meldkamer.store.db import Store

UNITS = 2_000
REPEAT = 5
KINDS = [("police", "patrol_car", "P"), ("fire", "fire_engine", "B"),
         ("ambulance", "ambulance", "A"), ("kmar", "kmar_patrol", "M")]


def _roster() -> dict[str, Any]:
    stations = {s["discipline"]: s["code"] for s in demo_roster()["station"]
                if s["island"] == "BO"}
    units = [{"callsign": f"{letter}-{n:04d}", "discipline": disc, "capabilities": [cap],
              "station": stations[disc], "island": "BO", "issi": 3_000_000 + n,
              "name": f"Unit {n}"}
             for n, (disc, cap, letter) in zip(range(UNITS), itertools.cycle(KINDS),
                                               strict=False)]
    return {"unit": units}


def run(ref: Reference) -> list[Row]:
    data = _roster()
    schema = timed(lambda: validate_roster(data, file="bench", ref=ref), REPEAT)
    with tempfile.TemporaryDirectory() as tmp:
        core = Meldkamer(Store(str(Path(tmp) / "roster.sqlite3")), ref, user="bench")
        try:
            load_demo(core, incidents=False)
            dry_new = timed(lambda: core.units.roster_diff(data=data), REPEAT)
            applied = timed(lambda: core.units.roster_diff(data=data, apply=True), 1)
            dry_same = timed(lambda: core.units.roster_diff(data=data), REPEAT)
            assert not core.units.roster_diff(data=data).changed
        finally:
            core.close()
    return [
        Row(f"roster schema check, {UNITS} units", "median", median(schema), None),
        Row(f"roster diff (dry run), {UNITS} new units", "median", median(dry_new), None),
        Row(f"roster import --apply, {UNITS} new units", "once", applied[0], None),
        Row(f"roster diff (dry run), {UNITS} unchanged units", "median", median(dry_same),
            None),
    ]
