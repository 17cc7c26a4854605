"""The change feed: one workstation sees another's changes as events."""

from __future__ import annotations

from meldkamer.domain.reference import Reference
from meldkamer.events import DomainEvent, IncidentChanged, UnitChanged
from meldkamer.services.changes import ChangeWatcher
from tests.fixtures import open_core


def test_second_core_sees_changes_of_the_first(db_url: str, ref: Reference) -> None:
    from meldkamer.demo import load_demo

    a = open_core(db_url, ref, user="operator-a")
    b = open_core(db_url, ref, user="operator-b")
    load_demo(a, incidents=False)
    watcher = ChangeWatcher(b)
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    inc = a.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                             classification="BZ.INB.WON")
    unit = a.dispatch.propose(inc.number).proposals[0].callsign
    a.dispatch.dispatch(inc.number, [unit])
    a.units.set_status(unit, "en_route")
    assert watcher.poll() > 0
    numbers = {e.number for e in seen if isinstance(e, IncidentChanged)}
    callsigns = {e.callsign for e in seen if isinstance(e, UnitChanged)}
    assert numbers == {inc.number}
    assert unit in callsigns
    assert b.units.get(unit).status == "en_route"
    # b's own changes are not echoed back to b by its watcher
    seen.clear()
    b.incidents.add_note(inc.number, "van b")
    local = len(seen)
    assert watcher.poll() == 0 and len(seen) == local
    a.close()
    b.close()
