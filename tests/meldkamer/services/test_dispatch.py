"""Turnouts: every slot filled by the nearest capable unit, gaps shown with who could be
diverted, the whole turnout dispatched at once, and never a unit from across the sea."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from meldkamer import names
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference, load_reference
from meldkamer.domain.source import Source
from meldkamer.errors import InvalidInput, NotFound, Refused
from meldkamer.services.dispatch import TurnoutChanged
from meldkamer.store.models import AuditEvent, LogEntry, Unit, UnitStatusChange
from tests.fixtures import demo_core

KRALENDIJK = (12.15, -68.27)
SINKING = (12.30, -68.50)  # off the west coast: outside the island, Bonaire's to answer
ORANJESTAD = (17.4830, -62.9864)
THE_BOTTOM = (17.6265, -63.2497)


def incident(core: Meldkamer, where: tuple[float, float], cls: str) -> str:
    return core.incidents.create(caller_number="+599 717 1234", lat=where[0], lon=where[1],
                                 classification=cls).number


def boat_busy(core: Meldkamer) -> str:
    """K-101, Bonaire's only boat, on its way to a drifting vessel (priority 2)."""
    other = incident(core, (12.10, -68.28), "WZ.VAA.DRI")
    core.dispatch.dispatch(other, ["K-101"])
    return other


def stored(core: Meldkamer) -> tuple[int, int, list[tuple[str, str, int | None]]]:
    """Audit events, log lines and every unit's status: what a refusal must not change."""
    with core.store.read() as s:
        units = [(u.callsign, u.status, u.incident_id)
                 for u in s.execute(select(Unit).order_by(Unit.callsign)).scalars()]
        return (s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
                s.scalar(select(func.count()).select_from(LogEntry)) or 0, units)


def test_a_house_fire_gets_its_whole_turnout(core: Meldkamer) -> None:
    number = incident(core, KRALENDIJK, "BR.GEB.WON")
    ps = core.dispatch.propose(number)
    needs = core.ref.classification("BR.GEB.WON").needs
    assert [s.capability for s in ps.slots] == list(needs)
    assert ps.complete and ps.plan is None and ps.unmet == ()
    units = {u.callsign: u for u in core.units.list_units()}
    for slot in ps.slots:
        assert slot.state == "proposed" and slot.proposal is not None
        assert slot.capability in units[slot.callsign].capabilities
        assert units[slot.callsign].island == "BO"
        # nearest first: no free unit with the capability left over is nearer
        others = [p for p in ps.proposals if p.basis == "alternative"
                  and slot.capability in units[p.callsign].capabilities]
        assert all((slot.proposal.travel_s or 0) <= (p.travel_s or 0) for p in others)
    assert len(set(ps.to_dispatch)) == len(needs)

    done = core.dispatch.dispatch_turnout(number)
    assert done.dispatched == ps.to_dispatch and done.unfilled == () and done.diverted == ()
    inc = core.incidents.get(number)
    assert [a.callsign for a in inc.assignments] == list(ps.to_dispatch)
    assert all(core.units.get(c).status == "dispatched" for c in ps.to_dispatch)
    assert [e.text for e in inc.log if e.kind == "dispatch"] == [
        f"{c} dispatched" for c in ps.to_dispatch]
    again = core.dispatch.propose(number)
    assert [s.state for s in again.slots] == ["assigned"] * len(needs)
    with pytest.raises(Refused, match="already filled"):
        core.dispatch.dispatch_turnout(number)
    assert core.verify_audit().ok


def test_an_unfilled_slot_names_the_units_that_could_be_diverted(core: Meldkamer) -> None:
    other = boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    ps = core.dispatch.propose(number)
    boat, ambulance = ps.slots
    assert (boat.capability, boat.state, boat.gap, boat.proposal) == (
        "boat", "unfilled", "busy", None)
    assert [d.callsign for d in boat.divert] == ["K-101"]
    k101 = boat.divert[0]
    assert (k101.incident, k101.incident_priority, k101.status) == (other, 2, "dispatched")
    assert k101.distance_m is not None and k101.distance_m > 0
    assert ambulance.state == "proposed" and ambulance.callsign is not None
    assert ambulance.callsign.startswith("A-")
    assert ps.unmet == ("boat",) and not ps.complete
    # never silently filled with another capability
    assert all(p.capability != "boat" for p in ps.proposals)
    assert ps.suggested_diverts() == {"boat": ("K-101",)}
    text = names.gap(core.ref, ps.island, boat)
    assert text == f"Boat: no unit available; K-101 busy on {other}"


def test_a_turnout_with_a_gap_is_refused_and_nothing_changes(core: Meldkamer) -> None:
    other = boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    before = stored(core)
    with pytest.raises(Refused) as refused:
        core.dispatch.dispatch_turnout(number)
    assert refused.value.exit_code == 4
    assert "K-101" in str(refused.value) and other in str(refused.value)
    assert stored(core) == before


def test_partial_sends_the_rest_and_logs_the_gap(core: Meldkamer) -> None:
    other = boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    done = core.dispatch.dispatch_turnout(number, partial=True)
    assert len(done.dispatched) == 1 and done.dispatched[0].startswith("A-")
    assert [s.capability for s in done.unfilled] == ["boat"]
    log = core.incidents.get(number).log
    gap = [e for e in log if e.text.startswith("Turnout incomplete")]
    assert [e.text for e in gap] == [
        f"Turnout incomplete: Boat: no unit available; K-101 busy on {other}"]
    dutch = names.log_text(core.ref, gap[0], "nl")
    assert dutch == f"Inzet onvolledig: Vaartuig: geen eenheid beschikbaar; K-101 bezet op {other}"
    assert core.units.get("K-101").incident == other  # not taken without being told


def test_divert_takes_a_committed_unit_through_the_override_path(core: Meldkamer) -> None:
    other = boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    done = core.dispatch.dispatch_turnout(number, divert={"boat": "K-101"})
    assert done.diverted == ("K-101",) and done.unfilled == ()
    assert len(done.dispatched) == 2 and done.dispatched[1] == "K-101"
    assert core.units.get("K-101").incident == number
    inc = core.incidents.get(number)
    k101 = next(a for a in inc.assignments if a.callsign == "K-101")
    assert k101.override_reason == "no other unit available for Boat"
    assert any(e.text == "K-101 dispatched (override: no other unit available for Boat)"
               for e in inc.log)
    old = core.incidents.get(other)
    assert old.assignments[0].unit_status == "cleared"
    assert old.log[-1].text == f"K-101 taken away to {number}: no other unit available for Boat"
    assert names.log_text(core.ref, old.log[-1], "nl").endswith(
        "geen andere eenheid beschikbaar voor Vaartuig")
    assert core.verify_audit().ok


def test_divert_only_what_fits_the_gap(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    before = stored(core)
    with pytest.raises(Refused, match="P-101 has no Boat"):
        core.dispatch.dispatch_turnout(number, divert={"boat": "P-101"})
    with pytest.raises(Refused, match="never sent across the sea"):
        core.dispatch.dispatch_turnout(number, divert={"boat": "K-301"})
    with pytest.raises(Refused, match="0 unfilled slot"):
        core.dispatch.dispatch_turnout(number, divert={"ambulance": "A-102"})
    with pytest.raises(NotFound):
        core.dispatch.dispatch_turnout(number, divert={"boat": "K-999"})
    assert stored(core) == before


def test_island_plans_replace_the_standard_turnout(core: Meldkamer) -> None:
    statia = core.dispatch.propose(incident(core, ORANJESTAD, "BR.GEB.WON"))
    assert [s.capability for s in statia.slots] == ["fire_engine", "ambulance", "patrol_car"]
    assert statia.plan == "BR.GEB.WON" and statia.complete
    assert statia.to_dispatch[0] == "B-201"
    saba = core.dispatch.propose(incident(core, THE_BOTTOM, "BR.GEB.WON"))
    assert [s.capability for s in saba.slots] == [
        "fire_engine", "fire_engine", "ambulance", "patrol_car"]
    assert set(saba.to_dispatch[:2]) == {"B-301", "B-321"} and saba.complete
    # a plan for a parent covers the class under it
    robbery = core.dispatch.propose(incident(core, ORANJESTAD, "BZ.OVV.WIN"))
    assert robbery.plan == "BZ.OVV" and [s.capability for s in robbery.slots] == [
        "patrol_car", "patrol_car"]
    bonaire = core.dispatch.propose(incident(core, KRALENDIJK, "BZ.OVV.WIN"))
    assert bonaire.plan is None and len(bonaire.slots) == 5
    done = core.dispatch.dispatch_turnout(incident(core, ORANJESTAD, "BR.GEB.WON"))
    assert done.dispatched[:2] == ("B-201", "A-201") and done.unfilled == ()
    assert done.dispatched[2] in {"P-201", "P-202"}


def test_never_across_the_sea(sqlite_url: str, ref: Reference, tmp_path: Path) -> None:
    site = tmp_path / "reference"
    site.mkdir()
    (site / "turnouts.toml").write_text("version = 1\n", encoding="utf-8")  # no island plans
    standard = load_reference(site)
    for core in demo_core(sqlite_url, standard):
        number = incident(core, ORANJESTAD, "BR.GEB.WON")
        ps = core.dispatch.propose(number)
        statia = {u.callsign for u in core.units.list_units(island="SE")}
        assert [(s.capability, s.callsign, s.gap) for s in ps.slots] == [
            ("fire_engine", "B-201", None), ("fire_engine", None, "too_few"),
            ("water_tender", None, "none_on_island"), ("ambulance", "A-201", None),
            ("patrol_car", ps.slots[4].callsign, None)]
        assert {p.callsign for p in ps.proposals} <= statia
        assert all(d.callsign in statia for s in ps.slots for d in s.divert)
        probe = core.dispatch.propose_at(island="SE", lat=ORANJESTAD[0], lon=ORANJESTAD[1],
                                         classification="WZ.VAA.NOO")
        assert [(s.capability, s.gap) for s in probe.gaps] == [("boat", "none_on_island")]
        assert names.gap(core.ref, "SE", probe.gaps[0]) == \
            "Boat: Sint Eustatius has no unit with it"
        with pytest.raises(Refused, match="never sent across the sea"):
            core.dispatch.dispatch_turnout(number, partial=True, divert={"fire_engine": "B-101"})
        done = core.dispatch.dispatch_turnout(number, partial=True)
        assert set(done.dispatched) <= statia
        assert [s.capability for s in done.unfilled] == ["fire_engine", "water_tender"]


def test_a_unit_already_there_fills_its_slot(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    number = incident(core, KRALENDIJK, "BR.GEB.WON")
    core.dispatch.dispatch(number, ["B-102"])
    ps = core.dispatch.propose(number)
    assert ps.slots[0].assigned == "B-102" and ps.slots[0].state == "assigned"
    assert ps.slots[1].state == "proposed" and ps.slots[1].callsign != "B-102"
    done = core.dispatch.dispatch_turnout(number)
    assert "B-102" not in done.dispatched and len(done.dispatched) == 4


def test_out_of_service_units_are_no_divert_candidates(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    core.units.set_status("K-101", "out_of_service", reason="motor kapot")
    ps = core.dispatch.propose(incident(core, SINKING, "WZ.VAA.NOO"))
    assert (ps.slots[0].gap, ps.slots[0].divert) == ("out_of_service", ())


def test_no_class_no_turnout(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    number = core.incidents.create(caller_number="112", lat=KRALENDIJK[0],
                                   lon=KRALENDIJK[1]).number
    ps = core.dispatch.propose(number)
    assert ps.slots == () and ps.proposals and not ps.complete  # no turnout: not 'complete'
    assert ps.to_dict()["complete"] is False
    with pytest.raises(Refused, match="no class yet"):
        core.dispatch.dispatch_turnout(number)


def test_a_closed_incident_has_no_proposal(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    number = incident(core, KRALENDIJK, "BR.GEB.WON")
    core.incidents.close(number, next(iter(core.ref.dispositions)))
    with pytest.raises(Refused, match=f"{number} is closed"):
        core.dispatch.propose(number)


def test_withdraw_a_unit_dispatched_by_mistake(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    number = incident(core, KRALENDIJK, "BZ.INB.WON")
    core.dispatch.dispatch(number, ["P-103"])
    with pytest.raises(InvalidInput, match="give a reason"):
        core.dispatch.withdraw(number, "P-103", reason="  ")
    with pytest.raises(Refused, match="not assigned"):
        core.dispatch.withdraw(number, "P-101", reason="verkeerde eenheid")
    inc = core.dispatch.withdraw(number, "P-103", reason="verkeerde eenheid")
    assert inc.assignments[0].unit_status == "cleared"
    unit = core.units.get("P-103")
    assert (unit.status, unit.incident) == ("available_station", None)  # where it was
    log = core.incidents.get(number).log
    assert log[-1].text == "P-103 withdrawn (verkeerde eenheid); now Available at station"
    assert core.dispatch.propose(number).slots[0].state == "proposed"
    assert core.verify_audit().ok


def test_status_history_says_who_dispatched_and_withdrew(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    number = incident(core, KRALENDIJK, "BZ.INB.WON")
    core.dispatch.dispatch(number, ["P-103"])
    with core.acting(Source.scenario(core.user, "oefening 3")):
        core.dispatch.withdraw(number, "P-103", reason="verkeerde eenheid")
        core.dispatch.dispatch_turnout(incident(core, KRALENDIJK, "GZ.ACU.BOR"))
    with core.store.read() as s:
        rows = [(r.to_status, r.user, r.source) for r in s.execute(
            select(UnitStatusChange).order_by(UnitStatusChange.id)).scalars()]
    assert rows == [("dispatched", "tester", "operator"),
                    ("available_station", "tester", "scenario"),
                    ("dispatched", "tester", "scenario")]


def test_a_withdrawn_unit_that_was_busy_gets_the_sites_available_status(
        sqlite_url: str, tmp_path: Path) -> None:
    from importlib import resources

    site = tmp_path / "reference"
    site.mkdir()
    shipped = (resources.files("meldkamer") / "data" / "statuses.toml").read_text("utf-8")
    (site / "statuses.toml").write_text(shipped.replace("available_mobile", "free_mobile"),
                                        encoding="utf-8")
    for core in demo_core(sqlite_url, load_reference(site)):
        other = boat_busy(core)  # K-101 busy: diverted, it was not available before
        number = incident(core, SINKING, "WZ.VAA.NOO")
        core.dispatch.dispatch_turnout(number, divert={"boat": "K-101"})
        core.dispatch.withdraw(number, "K-101", reason="verkeerd")
        unit = core.units.get("K-101")
        assert (unit.status, unit.incident) == ("free_mobile", None)
        assert core.incidents.get(other).assignments[0].unit_status == "cleared"


def test_routing_never_holds_the_write_lock(sqlite_core: Meldkamer, sqlite_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Travel times (and the road graph's first build) are worked out before the write:
    another workstation can write meanwhile."""
    import sqlite3

    from meldkamer.geo import Geo

    core = sqlite_core
    number = incident(core, KRALENDIJK, "BR.GEB.WON")
    locked: list[bool] = []
    travel = Geo.travel

    def probing(self: Geo, *args: object, **kwargs: object) -> object:
        other = sqlite3.connect(sqlite_url, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            locked.append(False)
        except sqlite3.OperationalError:
            locked.append(True)
        finally:
            other.close()
        return travel(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Geo, "travel", probing)
    core._geo = None  # first use: the router is built inside travel
    done = core.dispatch.dispatch_turnout(number)
    assert len(done.dispatched) == len(core.ref.classification("BR.GEB.WON").needs)
    assert locked and not any(locked)


def test_a_change_between_working_out_and_writing_is_worked_out_again(
        sqlite_core: Meldkamer, monkeypatch: pytest.MonkeyPatch) -> None:
    core = sqlite_core
    number = incident(core, KRALENDIJK, "GZ.ACU.BOR")  # one ambulance
    first = core.dispatch.propose(number).to_dispatch[0]
    plan = core.dispatch._plan_turnout
    calls: list[int] = []
    other = Meldkamer(core.store, core.ref, user="other")  # another workstation's core

    def meanwhile(*args: object, **kwargs: object) -> object:
        found = plan(*args, **kwargs)  # type: ignore[arg-type]
        if not calls:  # another workstation takes the proposed ambulance after the read
            other.dispatch.dispatch(incident(other, KRALENDIJK, "GZ.ACU.BOR"), [first])
        calls.append(1)
        return found

    monkeypatch.setattr(core.dispatch, "_plan_turnout", meanwhile)
    done = core.dispatch.dispatch_turnout(number)
    assert len(calls) == 2 and done.dispatched != (first,) and len(done.dispatched) == 1
    assert core.units.get(first).incident != number


# -- what the operator confirmed, and nothing else ------------------------------------


def test_a_turnout_confirmed_and_then_changed_is_not_sent_but_shown_again(
        sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    shown = core.dispatch.propose(number)  # boat unfilled (K-101 busy), an ambulance
    ambulance = shown.to_dispatch[0]
    # the ambulance the question named goes elsewhere before "send the rest" is carried out
    core.dispatch.dispatch(incident(core, KRALENDIJK, "GZ.ACU.BOR"), [ambulance])
    before = stored(core)
    with pytest.raises(TurnoutChanged) as changed:
        core.dispatch.dispatch_turnout(number, partial=True, confirmed=shown)
    assert changed.value.exit_code == 4 and stored(core) == before
    now = changed.value.proposals
    assert now.number == number and [s.capability for s in now.gaps] == ["boat"]
    assert now.to_dispatch and ambulance not in now.to_dispatch
    # the answer about the turnout as it is now is carried out
    done = core.dispatch.dispatch_turnout(number, partial=True, confirmed=now)
    assert done.dispatched == now.to_dispatch and [s.capability for s in done.unfilled] == [
        "boat"]


@pytest.mark.parametrize("change", ["slot now unfilled", "unit on another incident",
                                    "other island"])
def test_what_changed_since_the_question_is_never_sent(sqlite_core: Meldkamer,
                                                         change: str) -> None:
    core = sqlite_core
    boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    shown = core.dispatch.propose(number)
    diverts: dict[str, tuple[str, ...]] = {}
    if change == "slot now unfilled":  # every ambulance out of service meanwhile
        for callsign in ("A-101", "A-102", "A-103"):
            core.units.set_status(callsign, "out_of_service", reason="test")
    elif change == "unit on another incident":  # K-101 sent to a third incident meanwhile
        diverts = shown.suggested_diverts()
        third = incident(core, (12.08, -68.29), "WZ.VAA.NOO")
        core.dispatch.dispatch(third, ["K-101"], override_reason="opvarenden in het water")
    else:  # the question was about the turnout on Statia
        shown = core.dispatch.propose_at(island="SE", lat=SINKING[0], lon=SINKING[1],
                                         classification="WZ.VAA.NOO")
    before = stored(core)
    with pytest.raises(TurnoutChanged) as changed:
        core.dispatch.dispatch_turnout(number, partial=True, divert=diverts, confirmed=shown)
    assert stored(core) == before
    now = changed.value.proposals
    assert now.island == "BO"
    if change == "slot now unfilled":
        assert [s.capability for s in now.gaps] == ["boat", "ambulance"]


def test_a_divert_whose_unit_became_available_sends_it_all_the_same(
        sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    boat_busy(core)
    number = incident(core, SINKING, "WZ.VAA.NOO")
    shown = core.dispatch.propose(number)
    diverts = shown.suggested_diverts()
    assert diverts == {"boat": ("K-101",)}
    core.units.set_status("K-101", "available_mobile", source="radio")  # free, not taken
    done = core.dispatch.dispatch_turnout(number, partial=True, divert=diverts,
                                          confirmed=shown)
    assert set(done.dispatched) == {shown.to_dispatch[0], "K-101"}
    assert done.diverted == () and done.unfilled == ()
    k101 = next(a for a in core.incidents.get(number).assignments if a.callsign == "K-101")
    assert k101.override_reason == ""  # dispatched as an available unit, not an override


def test_send_the_rest_with_no_rest_to_send_writes_nothing(sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    boat_busy(core)
    for callsign in ("A-101", "A-102", "A-103"):
        core.units.set_status(callsign, "out_of_service", reason="test")
    number = incident(core, SINKING, "WZ.VAA.NOO")
    version = core.incidents.get(number).version
    before = stored(core)
    with pytest.raises(Refused, match=r"no unit of the turnout .* can be sent"):
        core.dispatch.dispatch_turnout(number, partial=True)
    assert stored(core) == before and core.incidents.get(number).version == version
    done = core.dispatch.dispatch_turnout(number, partial=True, divert={"boat": "K-101"})
    assert done.dispatched == ("K-101",)  # a divert alone is something to send


def busy_on(core: Meldkamer, callsign: str, priority: int) -> str:
    number = core.incidents.create(caller_number="112", lat=12.2, lon=-68.3,
                                   classification="GZ.ACU.BOR", priority=priority,
                                   priority_reason="test").number
    core.dispatch.dispatch(number, [callsign])
    return number


def test_a_divert_takes_from_the_least_urgent_and_never_a_patient_aboard(
        sqlite_core: Meldkamer) -> None:
    core = sqlite_core
    urgent = busy_on(core, "A-101", 1)
    least = busy_on(core, "A-102", 3)
    busy_on(core, "A-103", 2)
    core.units.set_status("A-103", "on_scene")
    core.units.set_status("A-103", "transporting")  # a patient aboard: never taken away
    ps = core.dispatch.propose(incident(core, KRALENDIJK, "GZ.ACU.BOR"))
    (slot,) = ps.gaps
    assert [(d.callsign, d.incident, d.incident_priority) for d in slot.divert] == [
        ("A-102", least, 3), ("A-101", urgent, 1)]
    assert ps.suggested_diverts() == {"ambulance": ("A-102",)}
    for callsign in ("A-101", "A-102"):
        core.units.set_status(callsign, "on_scene")
        core.units.set_status(callsign, "transporting")
    core.units.set_status("A-103", "at_destination")
    ps = core.dispatch.propose(incident(core, KRALENDIJK, "GZ.ACU.BOR"))
    (slot,) = ps.gaps
    assert (slot.gap, slot.divert) == ("cannot_divert", ())
    assert names.gap(core.ref, "BO", slot) == (
        "Ambulance: no unit available; the ones on Bonaire are busy where they cannot be "
        "taken away (a patient aboard)")
