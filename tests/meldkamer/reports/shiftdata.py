"""A recorded 18 September 2026 on a fresh SQLite database, at known times (local UTC-4).

- BON-2026-000001 08:00 burglary, P-101 dispatched 08:02, on scene 08:10, cleared 08:50,
  closed 09:00 (HANDLED); caller Maria Tromp, +599 717 1234, a note naming Jan Pietersz.
  An emergency from P-101 at 08:30.
- BON-2026-000002 20:30 cardiac arrest (priority 1), A-101 dispatched 20:31, still open.
- STA-2026-000001 23:30 noise, no unit, closed 01:00 on the 19th (NO_ACTION).
- SAB-2026-000001 02:00 on the 19th, livestock on the road, P-301 dispatched, open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.store.db import Store

LOCAL_OFFSET = timedelta(hours=-4)
CALLER = ("+599 717 1234", "Maria Tromp", "+599 790 5555")
NOTE = "the back door was forced, neighbour Jan Pietersz saw it"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time on September ``day`` 2026, as UTC."""
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC) - LOCAL_OFFSET


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(url: str, ref: Reference) -> dict[str, str]:
    """Fill ``url`` with the day above; the incidents' numbers by their role."""
    clock = Clock(at(18, 6))
    core = Meldkamer(Store(url), ref, user="tester", clock=clock)
    try:
        load_demo(core, incidents=False)
        clock.now = at(18, 8)
        burglary = core.incidents.create(
            caller_number=CALLER[0], caller_name=CALLER[1], callback_number=CALLER[2],
            lat=12.1505, lon=-68.2760, address="Kaya Grandi 12, Kralendijk",
            classification="BZ.INB.WON").number
        core.incidents.add_note(burglary, NOTE)
        clock.now = at(18, 8, 2)
        core.dispatch.dispatch(burglary, ["P-101"])
        clock.now = at(18, 8, 10)
        core.units.set_status("P-101", "on_scene")
        clock.now = at(18, 8, 30)
        core.alarms.raise_alarm("P-101", "button")
        clock.now = at(18, 8, 50)
        core.units.set_status("P-101", "available_mobile")
        clock.now = at(18, 9)
        core.incidents.close(burglary, "HANDLED")
        clock.now = at(18, 20, 30)
        cardiac = core.incidents.create(caller_number="+599 717 2000", lat=12.2405,
                                        lon=-68.3301, address="Dorp Rincon",
                                        classification="GZ.ACU.REA").number
        clock.now = at(18, 20, 31)
        core.dispatch.dispatch(cardiac, ["A-101"])
        clock.now = at(18, 23, 30)
        noise = core.incidents.create(caller_number="+599 318 2000", lat=17.4833,
                                      lon=-62.9833, address="Oranjestad",
                                      classification="OO.OVL.GEL").number
        clock.now = at(19, 1)
        core.incidents.close(noise, "NO_ACTION")
        clock.now = at(19, 2)
        livestock = core.incidents.create(caller_number="+599 416 2000", lat=17.6300,
                                          lon=-63.2400, address="Windwardside",
                                          classification="VK.HIN.VEE").number
        core.dispatch.dispatch(livestock, ["P-301"])
    finally:
        core.close()
    return {"burglary": burglary, "cardiac": cardiac, "noise": noise, "livestock": livestock}


def fresh(tmp_path: Path, template: Path, name: str = "shift") -> str:
    import shutil

    path = tmp_path / f"{name}.sqlite3"
    shutil.copyfile(template, path)
    return str(path)
