"""The core's transactions: one per service call, or many calls in one batch."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update

from meldkamer.commands.base import Command, command, writes
from meldkamer.commands.permissions import register
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.events import DomainEvent, UnitChanged
from meldkamer.roles import Role
from meldkamer.store.models import AuditEvent, Unit, UnitStatusChange
from tests.fixtures import open_core

KRALENDIJK = (12.1500, -68.2667)



@command("test.halfway", __name__)
@dataclass(frozen=True, kw_only=True)
class Halfway(Command):
    """A call that writes a row and an audit event, publishes, then fails (a test's)."""

    callsign: str
    savepoint: bool
    error: str


register("test.halfway", [Role.SUPERVISOR], sources=["radio"])


@writes(Halfway)
def halfway(core: Meldkamer, callsign: str, savepoint: bool, error: str) -> None:
    with core.transaction(savepoint=savepoint) as tx:
        tx.session.execute(update(Unit).where(Unit.callsign == callsign)
                           .values(name="changed"))
        tx.publish(UnitChanged(seq=tx.audit("unit.rename", "unit", callsign),
                               callsign=callsign, action="rename"))
        if error == "crash":
            _ = 1 / 0
        raise InvalidInput("refused halfway")

def _audit_actions(core: Meldkamer) -> list[str]:
    with core.store.read() as session:
        return list(session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))
                    .scalars())


def _history_rows(core: Meldkamer) -> int:
    with core.store.read() as session:
        return int(session.execute(select(func.count()).select_from(UnitStatusChange))
                   .scalar_one())


def test_a_batch_commits_its_calls_together_and_publishes_after_the_commit(
        core: Meldkamer) -> None:
    seen: list[DomainEvent] = []
    core.bus.subscribe(seen.append)
    before = _audit_actions(core)
    rows = _history_rows(core)
    with core.batch():
        core.units.set_status("P-101", "available_mobile", source="radio")
        core.units.set_status("P-102", "available_mobile", source="radio")
        core.units.set_status("P-101", "available_station", source="radio")
        assert seen == []  # nothing is told before the commit
    assert [(e.callsign, e.action) for e in seen if isinstance(e, UnitChanged)] == [
        ("P-101", "status"), ("P-102", "status"), ("P-101", "status")]
    assert _audit_actions(core) == [*before, "unit.status", "unit.status", "unit.status"]
    assert _history_rows(core) == rows + 3  # each call keeps its own history row
    assert [e.seq for e in seen] == sorted({e.seq for e in seen})
    report = core.verify_audit()
    assert report.ok, report.problem


def test_a_failing_call_in_a_batch_is_rolled_back_alone(core: Meldkamer) -> None:
    number = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                                   lon=KRALENDIJK[1]).number
    seen: list[DomainEvent] = []
    core.bus.subscribe(seen.append)
    before = _audit_actions(core)
    with core.batch():
        core.incidents.add_note(number, "first")
        with pytest.raises(InvalidInput):
            # A call that has written a row, a log line and an audit event, then fails.
            halfway(core, callsign="P-101", savepoint=True, error="refused")
        core.incidents.add_note(number, "second")
    notes = [e.text for e in core.incidents.get(number).log if e.kind == "note"]
    assert notes == ["first", "second"]
    assert core.units.get("P-101").name != "changed"
    assert _audit_actions(core) == [*before, "incident.note", "incident.note"]
    assert not any(isinstance(e, UnitChanged) and e.action == "rename" for e in seen)
    report = core.verify_audit()
    assert report.ok, report.problem


def test_reads_in_a_batch_see_what_the_batch_changed(core: Meldkamer) -> None:
    with core.batch():
        assert core.units.get("P-101").status == "available_station"
        core.units.set_status("P-101", "available_mobile", source="radio")
        assert core.units.get("P-101").status == "available_mobile"
        core.units.set_status("P-101", "out_of_service", source="radio")
        assert core.units.get("P-101").status == "out_of_service"
    assert core.units.get("P-101").status == "out_of_service"


def test_a_call_without_savepoint_that_fails_after_writing_fails_the_batch(
        core: Meldkamer) -> None:
    before = _audit_actions(core)
    with pytest.raises(RuntimeError, match="halfway"), core.batch():
        core.units.set_status("P-102", "available_mobile", source="radio")
        with pytest.raises(ZeroDivisionError):
            halfway(core, callsign="P-101", savepoint=False, error="crash")
    assert core.units.get("P-101").name != "changed"
    assert core.units.get("P-102").status == "available_station"  # the batch was undone
    assert _audit_actions(core) == before


def test_a_refusal_in_a_batch_keeps_the_others(core: Meldkamer) -> None:
    from meldkamer.errors import Refused

    with core.batch():
        core.units.set_status("P-101", "available_mobile", source="radio")
        with pytest.raises(Refused):
            core.units.set_status("P-102", "on_scene", source="radio")  # not allowed
        core.units.set_status("P-103", "out_of_service", source="radio")
    assert [core.units.get(c).status for c in ("P-101", "P-102", "P-103")] == [
        "available_mobile", "available_station", "out_of_service"]


def test_batches_do_not_nest(core: Meldkamer) -> None:
    with core.batch(), pytest.raises(RuntimeError, match="already open"), core.batch():
        pass


def test_another_workstation_sees_a_batch_as_its_calls_without_the_failed_one(
        db_url: str, ref: Reference) -> None:
    from meldkamer.demo import load_demo
    from meldkamer.services.changes import ChangeWatcher

    a = open_core(db_url, ref, user="radio")
    b = open_core(db_url, ref, user="operator")
    try:
        load_demo(a, incidents=False)
        watcher = ChangeWatcher(b)
        seen: list[DomainEvent] = []
        b.bus.subscribe(seen.append)
        local: list[DomainEvent] = []
        a.bus.subscribe(local.append)
        with a.batch():
            a.units.set_status("P-101", "available_mobile", source="radio")
            with pytest.raises(InvalidInput):
                halfway(a, callsign="P-102", savepoint=True, error="refused")
            a.units.set_status("P-103", "available_mobile", source="radio")
        assert watcher.poll() > 0
        assert seen == [e for e in local if e.shared]
        assert [(e.callsign, e.action) for e in seen if isinstance(e, UnitChanged)] == [
            ("P-101", "status"), ("P-103", "status")]
        assert b.units.get("P-103").status == "available_mobile"
    finally:
        a.close()
        b.close()


# -- sources: who acted ----------------------------------------------------------------


def _last_log(core: Meldkamer) -> tuple[str, str | None, str | None]:
    from meldkamer.store.models import LogEntry

    with core.store.read() as session:
        row = session.execute(select(LogEntry).order_by(LogEntry.id.desc())).scalars().first()
        assert row is not None
        return row.user, row.source_kind, row.source_detail


def _last_audit_source(core: Meldkamer) -> dict[str, str]:
    import json

    with core.store.read() as session:
        data = session.execute(select(AuditEvent.data).order_by(AuditEvent.seq.desc())
                               ).scalars().first()
        assert data is not None
        stored = json.loads(data)
        source: dict[str, str] = stored["source"]
        assert stored["workstation"] == core.workstation  # every event names it
        assert stored["command"]  # and the command it was written by
        return source


def test_an_operators_change_is_stored_as_the_operators(core: Meldkamer) -> None:
    inc = core.incidents.create(caller_number="112", lat=KRALENDIJK[0], lon=KRALENDIJK[1])
    core.incidents.add_note(inc.number, "buren bellen ook")
    assert _last_log(core) == ("tester", "operator", "")
    assert _last_audit_source(core) == {"kind": "operator", "user": "tester", "detail": ""}
    line = core.incidents.get(inc.number).log[-1]
    assert line.source is not None and line.source.is_person


def test_acting_sets_the_source_on_this_thread_only_and_nests(core: Meldkamer) -> None:
    import threading

    from meldkamer.domain.source import Source

    inc = core.incidents.create(caller_number="112", lat=KRALENDIJK[0], lon=KRALENDIJK[1])
    core.dispatch.dispatch(inc.number, ["P-101"])
    seen: list[str] = []
    with core.acting(Source.system(core.user, "unit-timers")):
        threading.Thread(target=lambda: seen.append(core.source.kind)).start()
        core.units.set_status("P-101", "en_route")
        assert _last_log(core) == ("tester", "system", "unit-timers")
        with core.acting(Source.radio(core.user, "P-101", 2111001)):
            core.units.set_status("P-101", "on_scene")
            assert _last_log(core) == ("tester", "radio", "P-101 (ISSI 2111001)")
        assert core.source.kind == "system"
    assert core.source == Source.operator("tester")
    assert seen == ["operator"]
    with core.store.read() as session:
        kinds = list(session.execute(select(UnitStatusChange.source)
                                     .order_by(UnitStatusChange.id)).scalars())
    assert kinds[-2:] == ["system", "radio"]
    # an explicit source beats the thread's
    core.units.set_status("P-101", "available_mobile", source="radio")
    assert _last_audit_source(core)["kind"] == "radio"
    with pytest.raises(InvalidInput, match="unknown source"):
        core.units.set_status("P-101", "available_station", source="ghost")


def test_audit_verify_passes_over_events_from_before_and_after_sources(
        core: Meldkamer) -> None:
    from meldkamer.services import audit

    core.incidents.create(caller_number="112")
    with core.store.write() as session:  # an event as versions before sources wrote it
        head = audit.read_head(session)
        head, row = audit.link(head, at=core.clock(), user="oud", action="unit.status",
                               entity="unit", key="P-101", data={"source": "radio"})
        audit.insert_events(session, [row])
        audit.store_head(session, head)
    core.incidents.create(caller_number="113")
    report = core.verify_audit()
    assert report.ok and report.events >= 3
