"""KPCN demo data: the demo stations and units, and a running shift of incidents.

Everything here is marked as demo data (units and stations carry ``demo``; incident
callers use the reserved 555 numbers). The shift is played through the normal services
with a clock set back in time, so the log, the audit trail and the unit timers read like
the last three hours of a real evening. It is written as the scenario "demo" (its source),
so no line of it reads as an operator's action.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING, Any

from meldkamer.domain.source import Source
from meldkamer.errors import MeldkamerError

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer


DEMO = "demo"  # the scenario name the demo data is written under


def demo_roster() -> dict[str, Any]:
    """The demo stations and units as one roster."""
    base = resources.files("meldkamer") / "data" / "demo"
    stations = tomllib.loads((base / "stations.toml").read_text(encoding="utf-8"))
    units = tomllib.loads((base / "units.toml").read_text(encoding="utf-8"))
    return {"station": stations.get("station", []), "unit": units.get("unit", [])}


# (minutes ago, caller, lat, lon, address, class, units to dispatch, statuses, notes)
SHIFT: list[dict[str, Any]] = [
    {"ago": 170, "caller": "+599 555 0101", "lat": 12.1505, "lon": -68.2760,
     "address": "Kaya Grandi, Kralendijk", "cls": "BZ.DIE.WIN", "dispatch": 1,
     "statuses": [(160, "on_scene"), (120, "available_mobile")], "close": "ARREST",
     "note": "Winkeldiefstal, verdachte aangehouden door winkelpersoneel."},
    {"ago": 95, "caller": "+599 555 0102", "lat": 12.1233, "lon": -68.2874,
     "address": "Belnem", "cls": "BZ.INB.WON", "dispatch": 2,
     "statuses": [(90, "en_route"), (82, "on_scene")],
     "note": "Bewoners thuisgekomen, achterdeur geforceerd. Dader mogelijk nog in de buurt."},
    {"ago": 38, "caller": "+599 555 0103", "lat": 12.1663, "lon": -68.2704,
     "address": "Kaya Korona, Antriol", "cls": "OV.WEG.LET", "dispatch": 2,
     "statuses": [(35, "en_route"), (29, "on_scene")],
     "note": "Scooter tegen auto, bestuurder scooter aanspreekbaar, pijn aan been."},
    {"ago": 14, "caller": "+599 555 0104", "lat": 12.2376, "lon": -68.3306,
     "address": "Dorp Rincon", "cls": "GZ.ACU.REA", "dispatch": 1,
     "statuses": [(12, "en_route")],
     "note": "Man van ongeveer 60 onwel geworden; omstanders starten reanimatie."},
    {"ago": 52, "caller": "+599 555 0105", "lat": 12.1620, "lon": -68.3110,
     "address": "Klein Bonaire, duikstek", "cls": "WZ.DUI.ZEE", "dispatch": 1,
     "statuses": [(48, "en_route")],
     "note": "Duiker te snel opgekomen, klachten. Duikschool aan boord."},
    {"ago": 22, "caller": "+599 555 0201", "lat": 17.4830, "lon": -62.9864,
     "address": "Oranjestad, Fort Oranjestraat", "cls": "OO.OVL.GEL", "dispatch": 0,
     "statuses": [], "note": "Harde muziek bij een feest, al meerdere avonden."},
    {"ago": 9, "caller": "+599 555 0301", "lat": 17.6340, "lon": -63.2310,
     "address": "Windwardside, The Road", "cls": "VK.HIN.VEE", "dispatch": 1,
     "statuses": [(6, "en_route")], "note": "Geiten op de weg in de bocht."},
    {"ago": 5, "caller": "+599 555 0106", "lat": 12.4200, "lon": -68.6000,
     "address": "Zee ten noordwesten van Bonaire", "cls": "WZ.VAA.NOO", "dispatch": 0,
     "statuses": [], "note": "Zeilboot met motorpech drijft af, drie personen aan boord."},
]


def load_demo(core: Meldkamer, *, incidents: bool = True) -> dict[str, int]:
    """Load the demo roster (idempotent) and, on an empty database, a running shift."""
    real_clock = core.clock
    start = real_clock() - timedelta(minutes=180)
    created = 0
    with core.acting(Source.scenario(core.user, DEMO)):
        try:
            core.clock = lambda: start
            stations, units = core.units.import_roster(data=demo_roster(), demo=True)
            if incidents and not core.incidents.list_incidents(active=False, limit=1):
                created = play_shift(core, real_clock)
        finally:
            core.clock = real_clock
    return {"stations": stations, "units": units, "incidents": created}


def _minus(now: datetime, minutes: float) -> datetime:
    return now - timedelta(minutes=minutes)


def play_shift(core: Meldkamer, real_clock: Any) -> int:
    now = real_clock()
    timeline: list[tuple[float, int, Any]] = []
    for i, item in enumerate(SHIFT):
        timeline.append((item["ago"], i, ("create", item)))
        for ago, status in item["statuses"]:
            timeline.append((ago, i, ("status", status)))
        if item.get("close"):
            timeline.append((item["statuses"][-1][0] - 1 if item["statuses"] else 1, i,
                             ("close", item["close"])))
    timeline.sort(key=lambda t: (-t[0], t[1]))
    numbers: dict[int, str] = {}
    units: dict[int, list[str]] = {}
    for ago, i, (what, arg) in timeline:
        core.clock = partial(_minus, now, ago)
        try:
            if what == "create":
                inc = core.incidents.create(
                    caller_number=arg["caller"], lat=arg["lat"], lon=arg["lon"],
                    address=arg["address"], classification=arg["cls"])
                numbers[i] = inc.number
                core.incidents.add_note(inc.number, arg["note"])
                proposal = core.dispatch.propose(inc.number)
                picks = [p.callsign for p in proposal.proposals[: arg["dispatch"]]]
                if picks:
                    # As a centralist takes the call: the units go 45 to 90 s after it.
                    core.clock = partial(_minus, now, ago - (45 + 9 * (i % 6)) / 60)
                    core.dispatch.dispatch(inc.number, picks)
                units[i] = picks
            elif what == "status":
                for callsign in units.get(i, []):
                    core.units.set_status(callsign, arg)
            elif what == "close":
                core.incidents.close(numbers[i], arg)
        except MeldkamerError:
            # A site roster without the unit kinds this shift expects: skip that step.
            continue
    return len(numbers)
