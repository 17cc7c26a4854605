"""Attention on real databases: the flags in views and lists, acknowledging, logging once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.domain.status_machine import ESCALATE_FACTOR
from meldkamer.errors import Refused
from meldkamer.runtime import AttentionWatch
from meldkamer.store.models import AuditEvent, Incident
from tests.fixtures import open_core

KRALENDIJK = (12.1500, -68.2667)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(core: Meldkamer) -> Clock:
    c = Clock(core.clock())
    core.clock = c  # type: ignore[method-assign]
    return c


def diving(core: Meldkamer) -> str:
    """A priority 1 diving accident, as in the issue (BON-000003)."""
    inc = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                lon=KRALENDIJK[1], classification="WZ.DUI.ZEE")
    assert inc.priority == 1
    return inc.number


def attention_of(core: Meldkamer, number: str) -> tuple[str, ...]:
    return core.incidents.get(number).attention


def test_a_priority_one_without_a_unit_is_flagged_after_sixty_seconds(
        core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    clock.advance(seconds=59)
    assert attention_of(core, number) == ()
    assert core.attention.flagged() == {}
    clock.advance(seconds=1)
    assert attention_of(core, number) == ("unattended",)
    listed = core.incidents.list_incidents(active=True)
    assert [(v.number, v.attention) for v in listed] == [(number, ("unattended",))]
    assert json.loads(json.dumps(listed[0].to_dict()))["attention"] == ["unattended"]
    assert core.attention.flagged() == {number: ("unattended",)}


def test_the_lists_order_and_its_flags_are_read_at_one_time(core: Meldkamer,
                                                           clock: Clock) -> None:
    attended = diving(core)
    core.dispatch.dispatch(attended, ["A-101"])
    core.units.set_status("A-101", "on_scene")
    burglary = core.incidents.create(caller_number="911", lat=KRALENDIJK[0],
                                     lon=KRALENDIJK[1], classification="BZ.INB.WON")
    assert burglary.priority == 2
    clock.advance(seconds=299.9)  # a moment before the burglary's 5 minutes
    start = clock.now

    def ticking() -> datetime:  # every reading a little later than the one before
        clock.advance(seconds=0.2)
        return clock.now - timedelta(seconds=0.2)

    core.clock = ticking  # type: ignore[method-assign]
    listed = core.incidents.list_incidents(active=True)
    assert [(v.number, v.attention) for v in listed] == [(attended, ()), (burglary.number, ())]
    assert clock.now == start + timedelta(seconds=0.2)  # one reading


def test_each_priority_and_urgency_waits_its_own_time(core: Meldkamer, clock: Clock) -> None:
    burglary = core.incidents.create(caller_number="911", lat=KRALENDIJK[0],
                                     lon=KRALENDIJK[1], classification="BZ.INB.WON")
    assert burglary.priority == 2
    lowered = diving(core)  # A1, then lowered to priority 2: still watched like an A1
    core.incidents.change_priority(lowered, 2, "duikschool meldt: stabiel")
    routine = core.incidents.create(caller_number="913", lat=KRALENDIJK[0],
                                    lon=KRALENDIJK[1], classification="OO.OVL.GEL")
    assert routine.priority == 3
    clock.advance(seconds=60)
    assert core.attention.flagged() == {lowered: ("unattended",)}
    clock.advance(minutes=4)
    assert set(core.attention.flagged()) == {lowered, burglary.number}
    first = core.incidents.summaries(core.incidents.active_ids()[:2])
    assert {v.number for v in first} == {lowered, burglary.number}  # flagged first
    clock.advance(days=1)
    assert routine.number not in core.attention.flagged()


def test_the_last_unit_cleared_while_open_flags_it(core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    core.dispatch.dispatch(number, ["A-101"])
    clock.advance(minutes=1)
    core.units.set_status("A-101", "en_route")
    clock.advance(minutes=15)
    assert attention_of(core, number) == ()  # long past 60 s, but a unit is on its way
    core.units.set_status("A-101", "available_mobile")  # the radio cleared it
    assert attention_of(core, number) == ()  # a grace to close it first
    clock.advance(seconds=59)
    assert attention_of(core, number) == ()
    clock.advance(seconds=1)
    assert attention_of(core, number) == ("unattended",)


def test_an_ordinary_close_raises_no_flag(core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    core.dispatch.dispatch(number, ["A-101"])
    watch = AttentionWatch(core)
    watch.check()
    clock.advance(minutes=1)
    core.units.set_status("A-101", "en_route")
    clock.advance(minutes=15)
    core.units.set_status("A-101", "available_mobile")
    for _ in range(10):  # the watch, every 2 s, while the operator writes the close
        clock.advance(seconds=2)
        assert watch.check() == []
    core.incidents.close(number, "HANDLED")
    assert [e for e in core.incidents.get(number).log if e.kind == "attention"] == []
    with core.store.read() as s:
        assert s.execute(select(AuditEvent.seq).where(
            AuditEvent.action == "incident.attention")).first() is None


def test_a_unit_past_its_status_timer_flags_overdue(core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    core.dispatch.dispatch(number, ["A-101"])
    limit = core.ref.statuses["dispatched"].timer_minutes
    clock.advance(minutes=limit, seconds=1)
    assert attention_of(core, number) == ("overdue",)
    core.units.set_status("A-101", "en_route")
    assert attention_of(core, number) == ()


def test_acknowledging_is_logged_and_audited_and_quiet_until_it_arises_again(
        core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    with pytest.raises(Refused, match="no attention flag"):
        core.attention.acknowledge(number)
    clock.advance(seconds=61)
    version = core.incidents.get(number).version
    view = core.attention.acknowledge(number)
    assert view.attention == ()
    shown = core.incidents.get(number)
    assert shown.attention == () and shown.version == version  # not an edit: no conflict
    line = shown.log[-1]
    assert (line.kind, line.template, line.source and line.source.kind) == (
        "attention", "Attention acknowledged: {flags}", "operator")
    assert line.user == "tester"
    with core.store.read() as s:
        event = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
        assert event is not None
        assert (event.action, event.entity_key) == ("incident.acknowledge", number)
        data = json.loads(event.data)
        assert data["codes"] == ["unattended"] and data["source"]["kind"] == "operator"
    with pytest.raises(Refused, match="no attention flag"):
        core.attention.acknowledge(number)  # nothing up now
    clock.advance(seconds=59)
    assert attention_of(core, number) == ()  # still the same condition: stays quiet
    clock.advance(seconds=1)  # ... for one more threshold: still no unit, so it rises again
    assert attention_of(core, number) == ("unattended",)
    core.attention.acknowledge(number)
    core.dispatch.dispatch(number, ["A-101"])
    clock.advance(minutes=1)
    core.units.set_status("A-101", "available_mobile")  # a later clear: rises again
    clock.advance(minutes=1)  # (after the grace)
    assert attention_of(core, number) == ("unattended",)
    assert core.verify_audit().ok


def test_a_raised_flag_is_logged_once_as_the_system_by_however_many_watch(
        core: Meldkamer, clock: Clock, db_url: str, ref: Reference) -> None:
    other = open_core(db_url, ref, user="tweede")
    other.clock = clock  # type: ignore[method-assign]
    try:
        number = diving(core)
        clock.advance(seconds=61)
        assert core.attention.note(number) == ("unattended",)
        assert other.attention.note(number) == ("unattended",)
        assert core.attention.note(number) == ("unattended",)
        lines = [e for e in core.incidents.get(number).log if e.kind == "attention"]
        assert len(lines) == 1
        assert lines[0].template == "Attention: no unit assigned {limit} after the call"
        assert lines[0].fields == {"limit": "60 s"}
        assert lines[0].source is not None
        assert (lines[0].source.kind, lines[0].source.detail) == ("system", "attention")
        # acknowledged: remembered, not logged; the next rise is logged again
        core.attention.acknowledge(number)
        assert other.attention.note(number) == ()
        clock.advance(seconds=30)
        core.dispatch.dispatch(number, ["A-101"])
        clock.advance(seconds=30)
        core.units.set_status("A-101", "available_mobile")
        clock.advance(seconds=60)
        assert other.attention.note(number) == ("unattended",)
        lines = [e for e in core.incidents.get(number).log if e.kind == "attention"]
        assert [e.template for e in lines] == [
            "Attention: no unit assigned {limit} after the call",
            "Attention acknowledged: {flags}",
            "Attention: the last unit was cleared and the incident is still open"]
        assert lines[-1].source is not None and lines[-1].source.user == "tweede"
    finally:
        other.close()


def noted_of(core: Meldkamer, number: str) -> str:
    with core.store.read() as s:
        return s.execute(select(Incident.attention_noted)
                         .where(Incident.number == number)).scalar_one()


def test_a_workstation_whose_clock_runs_behind_neither_clears_nor_logs_again(
        core: Meldkamer, clock: Clock, db_url: str, ref: Reference) -> None:
    behind = open_core(db_url, ref, user="tweede")
    late = Clock(clock.now - timedelta(seconds=3))
    behind.clock = late  # type: ignore[method-assign]
    try:
        number = diving(core)
        clock.advance(seconds=61)
        late.advance(seconds=61)  # 58 s after the call by its clock: not up yet
        assert core.attention.note(number) == ("unattended",)
        noted = noted_of(core, number)
        for _ in range(3):  # the watch, every 2 s on both
            assert behind.attention.note(number) == ()
            assert noted_of(core, number) == noted  # not cleared by a clock behind
            assert core.attention.note(number) == ("unattended",)
        late.advance(seconds=5)  # now up by its clock too: the same rise, logged already
        assert behind.attention.note(number) == ("unattended",)
        lines = [e for e in core.incidents.get(number).log if e.kind == "attention"]
        assert len(lines) == 1
    finally:
        behind.close()


def test_an_acknowledgement_is_never_before_the_flags_onset(
        core: Meldkamer, clock: Clock, db_url: str, ref: Reference) -> None:
    ahead = open_core(db_url, ref, user="tweede")
    early = Clock(clock.now + timedelta(seconds=10))
    ahead.clock = early  # type: ignore[method-assign]
    try:
        number = diving(core)
        core.dispatch.dispatch(number, ["A-101"])
        clock.advance(minutes=5)
        early.advance(minutes=5)
        ahead.units.set_status("A-101", "available_mobile")  # cleared 10 s "later"
        grace = timedelta(seconds=core.ref.priorities[1].cleared_grace_s)
        clock.advance(seconds=grace.total_seconds() + 10)
        early.advance(seconds=grace.total_seconds() + 10)
        assert attention_of(core, number) == ("unattended",)
        core.attention.acknowledge(number)  # on the workstation behind: it goes down
        assert attention_of(core, number) == ()
        assert attention_of(ahead, number) == ()
    finally:
        ahead.close()


def test_an_escalated_unit_is_logged_with_the_escalation_limit(core: Meldkamer,
                                                              clock: Clock) -> None:
    number = diving(core)
    core.dispatch.dispatch(number, ["A-101"])
    limit = core.ref.statuses["dispatched"].timer_minutes
    clock.advance(minutes=limit * ESCALATE_FACTOR, seconds=1)
    assert core.attention.note(number) == ("overdue",)
    line = [e for e in core.incidents.get(number).log if e.kind == "attention"][-1]
    assert line.template == ("Attention: {callsign} has been {status} for more than "
                             "{limit}")
    assert line.fields["callsign"] == "A-101"
    assert line.fields["limit"] == f"{limit * ESCALATE_FACTOR:g} min" == "4.5 min"


def test_a_reminder_is_logged_once_as_the_system(core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    clock.advance(seconds=61)
    assert core.attention.note(number) == ("unattended",)
    core.attention.acknowledge(number)
    clock.advance(seconds=59)
    assert core.attention.note(number) == ()
    clock.advance(seconds=1)
    assert core.attention.flagged() == {number: ("unattended",)}
    assert core.attention.note(number) == ("unattended",)
    assert core.attention.note(number) == ("unattended",)
    lines = [e for e in core.incidents.get(number).log if e.kind == "attention"]
    assert [(e.template, e.fields) for e in lines] == [
        ("Attention: no unit assigned {limit} after the call", {"limit": "60 s"}),
        ("Attention acknowledged: {flags}", {"flags": lines[1].fields["flags"]}),
        ("Attention again: still no unit {limit} after it was acknowledged",
         {"limit": "60 s"})]
    core.attention.acknowledge(number)  # and so on, one threshold after each
    clock.advance(seconds=60)
    assert core.attention.note(number) == ("unattended",)
    assert sum(e.template.startswith("Attention again")
               for e in core.incidents.get(number).log) == 2


def test_a_closed_incident_has_no_flags(core: Meldkamer, clock: Clock) -> None:
    number = diving(core)
    clock.advance(minutes=5)
    core.incidents.close(number, "HANDLED")
    assert attention_of(core, number) == ()
    with pytest.raises(Refused, match="closed"):
        core.attention.acknowledge(number)
    assert core.attention.watch() == []


def test_acknowledging_is_no_version_bump_nor_a_conflict(core: Meldkamer,
                                                        clock: Clock) -> None:
    number = diving(core)
    before = core.incidents.get(number)
    clock.advance(seconds=61)
    core.attention.acknowledge(number)
    # an operator's change based on the read before the acknowledgement still applies
    core.incidents.locate(number, address="Kaya Grandi 12",
                          expected_version=before.version)
    with core.store.read() as s:
        inc = s.execute(select(Incident).where(Incident.number == number)).scalar_one()
        assert inc.unattended_ack_at is not None and inc.overdue_ack_at is None
