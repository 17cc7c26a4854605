"""Services on SQLite and PostgreSQL: the operator's whole flow and its rules."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.views import LOCAL
from meldkamer.errors import Conflict, InvalidInput, NotFound, Refused
from meldkamer.events import DomainEvent, IncidentChanged, UnitChanged

KRALENDIJK = (12.1500, -68.2667)
BELNEM = (12.1233, -68.2874)
ORANJESTAD = (17.4830, -62.9864)
THE_BOTTOM = (17.6265, -63.2497)
AT_SEA = (12.5, -68.7)


def year() -> int:
    return datetime.now(LOCAL).year


def burglary(core: Meldkamer, where: tuple[float, float] = BELNEM, **kw: object) -> str:
    inc = core.incidents.create(caller_number="+599 717 1234", lat=where[0], lon=where[1],
                                classification="BZ.INB.WON", **kw)  # type: ignore[arg-type]
    return inc.number


def test_create_numbers_per_island_and_year(core: Meldkamer) -> None:
    y = year()
    a = core.incidents.create(caller_number="911", lat=KRALENDIJK[0], lon=KRALENDIJK[1])
    b = core.incidents.create(caller_number="911", lat=BELNEM[0], lon=BELNEM[1])
    c = core.incidents.create(caller_number="911", lat=ORANJESTAD[0], lon=ORANJESTAD[1])
    d = core.incidents.create(caller_number="911", lat=THE_BOTTOM[0], lon=THE_BOTTOM[1])
    assert [a.number, b.number] == [f"BON-{y}-000001", f"BON-{y}-000002"]
    assert (c.number, c.island) == (f"STA-{y}-000001", "SE")
    assert (d.number, d.island) == (f"SAB-{y}-000001", "SA")
    assert a.calls[0].caller_number == "911" and a.calls[0].taken_by == "tester"
    assert [e.kind for e in core.incidents.get(a.number).log] == ["call", "location"]


def test_location_outside_the_area_is_a_state(core: Meldkamer) -> None:
    inc = core.incidents.create(caller_number="+599 555 0000", lat=AT_SEA[0], lon=AT_SEA[1],
                                classification="WZ.VAA.NOO")
    assert inc.location_state == "outside"
    assert inc.island == "BO"  # the home island is responsible
    saba_sea = core.incidents.create(caller_number="112", lat=17.70, lon=-63.30, island="SA")
    assert saba_sea.location_state == "outside" and saba_sea.number.startswith("SAB-")


def test_locate_moves_the_island_and_logs(core: Meldkamer) -> None:
    inc = core.incidents.create(caller_number="112", island="SE")
    assert inc.location_state == "unknown" and inc.island == "SE"
    moved = core.incidents.locate(inc.number, lat=ORANJESTAD[0], lon=ORANJESTAD[1],
                                  address="Fort Oranjestraat")
    assert (moved.location_state, moved.island, moved.address) == ("island", "SE",
                                                                   "Fort Oranjestraat")
    only_text = core.incidents.create(caller_number="112")
    located = core.incidents.locate(only_text.number, address="Kaya Grandi 12")
    assert located.location_state == "address" and located.lat is None
    with pytest.raises(InvalidInput):
        core.incidents.locate(inc.number)
    log = core.incidents.get(inc.number).log
    assert log[-1].kind == "location" and "Fort Oranjestraat" in log[-1].text


def test_classify_priority_default_and_reasoned_change(core: Meldkamer) -> None:
    number = core.incidents.create(caller_number="112", lat=BELNEM[0], lon=BELNEM[1]).number
    cls = core.ref.classification("BZ.INB.WON")
    inc = core.incidents.classify(number, "bz.inb.won")
    assert (inc.classification, inc.priority) == ("BZ.INB.WON", cls.priority)
    other = 1 if cls.priority != 1 else 2
    with pytest.raises(InvalidInput, match="reason"):
        core.incidents.classify(number, "BZ.INB.WON", priority=other)
    inc = core.incidents.classify(number, "BZ.INB.WON", priority=other,
                                  reason="dader nog binnen")
    assert inc.priority == other
    changed = core.incidents.change_priority(number, 3, "rustig")
    assert changed.priority == 3
    with pytest.raises(InvalidInput):
        core.incidents.change_priority(number, 2, "  ")
    texts = [e.text for e in core.incidents.get(number).log]
    assert any("dader nog binnen" in t for t in texts)
    assert any("rustig" in t for t in texts)
    with pytest.raises(NotFound):
        core.incidents.classify(number, "XX.NOPE")


def test_ambulance_urgency_sets_priority(core: Meldkamer) -> None:
    inc = core.incidents.create(caller_number="112", lat=KRALENDIJK[0], lon=KRALENDIJK[1],
                                classification="GZ.ACU.REA")
    assert inc.urgency == "A0" and inc.priority == 1
    with pytest.raises(InvalidInput):
        core.incidents.classify(inc.number, "GZ.ACU.REA", urgency="Z9")


def test_proposal_nearest_first_and_never_another_island(core: Meldkamer) -> None:
    number = burglary(core, BELNEM)
    ps = core.dispatch.propose(number)
    assert ps.proposals, "demo roster has patrol cars on Bonaire"
    units = {u.callsign: u for u in core.units.list_units()}
    assert all(units[p.callsign].island == "BO" for p in ps.proposals)
    needed = [p for p in ps.proposals if p.reason.startswith("needed")]
    assert [p.capability for p in needed] == list(core.ref.classification("BZ.INB.WON").needs)
    distances = [p.distance_m for p in ps.proposals if p.reason.startswith("alternative")]
    assert distances == sorted(distances)
    assert needed[0].distance_m is not None
    assert needed[0].distance_m <= min(d for d in distances if d is not None)
    statia = core.dispatch.propose(burglary(core, ORANJESTAD))
    assert {units[p.callsign].island for p in statia.proposals} == {"SE"}


def test_dispatch_status_times_and_close(core: Meldkamer) -> None:
    events: list[DomainEvent] = []
    core.bus.subscribe(events.append)
    number = burglary(core)
    top = core.dispatch.propose(number).proposals[0].callsign
    inc = core.dispatch.dispatch(number, [top])
    assert [a.callsign for a in inc.assignments] == [top]
    assert core.units.get(top).status == "dispatched"
    assert core.units.get(top).incident == number
    assert UnitChanged(seq=events[-1].seq, callsign=top, action="dispatch") in events
    core.units.set_status(top, "en_route")
    core.units.set_status(top, "2")  # radio status number for on scene
    with pytest.raises(Refused, match="still has units assigned"):
        core.incidents.close(number, "HANDLED")
    assert core.incidents.get(number).state == "open"
    cleared = core.units.set_status(top, "available_mobile")
    assert cleared.incident is None
    detail = core.incidents.get(number)
    times = [t.status for t in detail.assignments[0].times]
    assert times == ["dispatched", "en_route", "on_scene", "available_mobile"]
    assert detail.assignments[0].cleared_at is not None
    closed = core.incidents.close(number, "handled", note="afgehandeld ter plaatse")
    assert (closed.state, closed.disposition) == ("closed", "HANDLED")
    assert core.incidents.get(number).log[-1].kind == "close"
    assert core.incidents.list_incidents(active=True) == []
    with pytest.raises(Refused):
        core.incidents.classify(number, "BZ.INB.WON")
    assert any(isinstance(e, IncidentChanged) and e.action == "incident.close" for e in events)


def test_dispatch_rules(core: Meldkamer) -> None:
    bon = burglary(core)
    other = burglary(core, KRALENDIJK)
    saba_units = [u.callsign for u in core.units.list_units(island="SA")]
    with pytest.raises(Refused, match="across the sea"):
        core.dispatch.dispatch(bon, [saba_units[0]])
    first = core.dispatch.propose(bon).proposals[0].callsign
    core.dispatch.dispatch(bon, [first])
    with pytest.raises(Refused, match="already assigned"):
        core.dispatch.dispatch(bon, [first])
    with pytest.raises(Refused, match="override"):
        core.dispatch.dispatch(other, [first])
    moved = core.dispatch.dispatch(other, [first], override_reason="prio 1 gaat voor")
    assert moved.assignments[-1].override_reason == "prio 1 gaat voor"
    old = core.incidents.get(bon)
    assert old.assignments[0].cleared_at is not None
    assert "taken away" in old.log[-1].text
    with pytest.raises(NotFound):
        core.dispatch.dispatch(bon, ["NOPE-1"])
    with pytest.raises(InvalidInput):
        core.dispatch.dispatch(bon, ["  "])


def test_out_of_service_unit_cannot_be_dispatched(core: Meldkamer) -> None:
    number = burglary(core)
    unit = core.dispatch.propose(number).proposals[0].callsign
    core.units.set_status(unit, "out_of_service", reason="lekke band")
    assert unit not in [p.callsign for p in core.dispatch.propose(number).proposals]
    with pytest.raises(Refused):
        core.dispatch.dispatch(number, [unit], override_reason="toch")
    assert core.units.get(unit).status == "out_of_service"


def test_illegal_status_change_refused_and_nothing_changes(core: Meldkamer) -> None:
    unit = core.units.list_units(island="BO")[0]
    seq_before = core.verify_audit().events
    with pytest.raises(Refused, match="not allowed"):
        core.units.set_status(unit.callsign, "on_scene")
    with pytest.raises(Refused, match="dispatch"):
        core.units.set_status(unit.callsign, "dispatched")
    with pytest.raises(InvalidInput):
        core.units.set_status(unit.callsign, "flying")
    after = core.units.get(unit.callsign)
    assert (after.status, after.version) == (unit.status, unit.version)
    assert core.verify_audit().events == seq_before


def test_notes_duplicates_and_attached_calls(core: Meldkamer) -> None:
    main = burglary(core)
    dup = burglary(core)
    core.incidents.add_note(main, "\x00Dader\x07 droeg een rode pet\x1b\n")
    assert core.incidents.get(main).log[-1].text == "Dader droeg een rode pet"
    with pytest.raises(InvalidInput, match="limit"):
        core.incidents.add_note(main, "x" * 100_000)
    with pytest.raises(InvalidInput):
        core.incidents.add_note(main, "\x00\x01 ")
    attached = core.incidents.attach_call(main, caller_number="+599 555 9999",
                                          caller_name="Buurman")
    assert [c.caller_number for c in attached.calls] == ["+5997171234", "+5995559999"]
    closed = core.incidents.mark_duplicate(dup, main)
    assert (closed.state, closed.duplicate_of, closed.disposition) == ("closed", main,
                                                                       "DUPLICATE")
    assert any(dup in e.text for e in core.incidents.get(main).log)
    with pytest.raises(InvalidInput):
        core.incidents.mark_duplicate(main, main)


def test_bad_caller_numbers(core: Meldkamer) -> None:
    for bad in ("call me", "12", "717 12345", "+999 1"):
        with pytest.raises(InvalidInput):
            core.incidents.create(caller_number=bad)
    anon = core.incidents.create(caller_number="Anoniem")
    assert (anon.calls[0].caller_number, anon.calls[0].number_state) == ("", "withheld")
    for none in ("", "   ", None):
        call = core.incidents.create(caller_number=none).calls[0]
        assert (call.caller_number, call.number_state) == ("", "unknown")
    with pytest.raises(InvalidInput):
        core.incidents.create(caller_number="112", lat=95, lon=0)
    with pytest.raises(InvalidInput):
        core.incidents.create(caller_number="112", lat=12.1, lon=float("nan"))
    assert len(core.incidents.list_incidents(active=False)) == 4


def test_expected_version_conflict(core: Meldkamer, ref: object) -> None:
    number = burglary(core)
    seen = core.incidents.get(number)
    core.incidents.classify(number, "BZ.INB.BED", expected_version=seen.version)
    with pytest.raises(Conflict):
        core.incidents.classify(number, "BZ.INB.AUT", expected_version=seen.version)
    assert core.incidents.get(number).classification == "BZ.INB.BED"
    unit = core.units.list_units(island="BO")[0]
    core.units.set_status(unit.callsign, "available_mobile", expected_version=unit.version)
    with pytest.raises(Conflict):
        core.units.set_status(unit.callsign, "out_of_service", expected_version=unit.version)
    assert core.units.get(unit.callsign).status == "available_mobile"


def test_events_only_after_commit(core: Meldkamer) -> None:
    events: list[DomainEvent] = []
    core.bus.subscribe(events.append)
    with pytest.raises(InvalidInput):
        core.incidents.create(caller_number="112", classification="BZ.INB.WON", priority=1)
    assert events == []
    number = burglary(core)
    assert [type(e) for e in events] == [IncidentChanged]
    assert events[0].number == number  # type: ignore[attr-defined]
    assert events[0].seq > 0


def test_search_notes_and_log(core: Meldkamer) -> None:
    number = burglary(core, address="Kaya Grandi 12")
    core.incidents.add_note(number, "Getuige zag een blauwe pick-up wegrijden")
    assert {h.number for h in core.incidents.search("blauwe pick")} == {number}
    assert [h.kind for h in core.incidents.search("getuige")] == ["note"]
    assert core.incidents.search("kaya grandi")[0].number == number
    assert core.incidents.search("bla")[0].number == number  # last word is a prefix
    assert core.incidents.search("rode") == []
    for odd in ('"', "AND OR NOT", "*", "NEAR(", "a:b", "'; DROP TABLE incident; --"):
        with contextlib.suppress(InvalidInput):
            core.incidents.search(odd)
    assert core.incidents.get(number).number == number


def test_audit_chain_covers_every_change(core: Meldkamer) -> None:
    before = core.verify_audit()
    number = burglary(core)
    core.incidents.add_note(number, "test")
    after = core.verify_audit()
    assert before.ok and after.ok
    assert after.events == before.events + 2
