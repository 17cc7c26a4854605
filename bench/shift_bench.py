"""Issue 12: the shift report PDF of a busy day (about 300 incidents) within 3 s.

A fresh SQLite database gets a day of 300 incidents on the three islands through the
normal services (each dispatched, on scene, cleared and closed; the last ten of each
island left open to be handed over). Measured: reading the shift (``collect``), laying it
out (``render_html``) and printing the PDF (``ui.pdf.html_to_pdf``), in this process, the
first run (WebEngine cold) and the median of the next three.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.stats import Row
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.errors import MeldkamerError
from meldkamer.store.db import Store

DAY = date(2026, 9, 18)
INCIDENTS = 300
BUDGET_MS = 3000.0
PLACES = {"BO": (12.15, -68.27, ["P-101", "P-102", "P-103", "P-104", "P-105"]),
          "SE": (17.4833, -62.9833, ["P-201", "P-202"]), "SA": (17.63, -63.24, ["P-301"])}
CLASSES = ["BZ.INB.WON", "BZ.DIE.WIN", "OO.OVL.GEL", "VK.HIN.VEE", "OV.WEG.LET"]


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fill(url: str, ref: Reference, incidents: int = INCIDENTS) -> None:
    """A busy local day ``DAY``: ``incidents`` incidents, most closed, some open."""
    start = datetime(DAY.year, DAY.month, DAY.day, 4, tzinfo=UTC)  # 00:00 local
    clock = _Clock(start)
    core = Meldkamer(Store(url), ref, user="bench", clock=clock)
    try:
        load_demo(core, incidents=False)
        islands = ["BO"] * 6 + ["SE", "SA"]
        per_island: dict[str, int] = {}
        step = timedelta(days=1) / (incidents + 1)
        for k in range(incidents):
            island = islands[k % len(islands)]
            per_island[island] = per_island.get(island, 0) + 1
            lat, lon, units = PLACES[island]
            clock.now = start + step * k
            number = core.incidents.create(
                caller_number=f"+599 717 {k:04d}", caller_name=f"Caller {k}",
                lat=lat + (k % 7) * 0.002, lon=lon, address=f"Kaya {k}",
                classification=CLASSES[k % len(CLASSES)]).number
            core.incidents.add_note(number, f"note {k}")
            unit = units[per_island[island] % len(units)]
            last = k >= incidents - 30
            try:
                core.dispatch.dispatch(number, [unit])
            except MeldkamerError:  # busy elsewhere: left without a unit, as it happens
                continue
            clock.now += timedelta(minutes=1)
            core.units.set_status(unit, "on_scene")
            if last:
                continue
            clock.now += timedelta(minutes=2)
            core.units.set_status(unit, "available_mobile")
            core.incidents.close(number, "HANDLED")
    finally:
        core.close()


def _once(url: str, ref: Reference, out: Path) -> float:
    from meldkamer.reports import shift
    from ui.pdf import html_to_pdf

    t0 = time.perf_counter()
    core = Meldkamer(Store(url), ref, user="bench")
    try:
        report = shift.collect(core, DAY)
    finally:
        core.close()
    html_to_pdf(shift.render_html(report, ref), out)
    return (time.perf_counter() - t0) * 1000


def run(ref: Reference) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "busy.sqlite3")
        fill(url, ref)
        out = Path(tmp) / "shift.pdf"
        cold = _once(url, ref, out)
        warm = [_once(url, ref, out) for _ in range(3)]
        size = out.stat().st_size
    name = f"reports: shift report PDF, busy day ({INCIDENTS} incidents)"
    return [Row(name, "first", cold, BUDGET_MS, "WebEngine cold in this process"),
            Row(name, "median", statistics.median(warm), BUDGET_MS,
                f"of 3; PDF {size // 1024} KiB")]
