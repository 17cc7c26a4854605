"""The core's transactions: one per service call, or many calls in one batch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.events import DomainEvent, UnitChanged
from meldkamer.store.models import AuditEvent, Unit, UnitStatusChange
from tests.fixtures import open_core

KRALENDIJK = (12.1500, -68.2667)


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
        with pytest.raises(InvalidInput), core.transaction() as tx:
            # A call that has written a row, a log line and an audit event, then fails.
            tx.session.execute(update(Unit).where(Unit.callsign == "P-101")
                               .values(name="changed"))
            tx.audit("unit.rename", "unit", "P-101")
            tx.publish(UnitChanged(seq=0, callsign="P-101", action="rename"))
            raise InvalidInput("refused halfway")
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
        with pytest.raises(ZeroDivisionError), core.transaction(savepoint=False) as tx:
            tx.session.execute(update(Unit).where(Unit.callsign == "P-101")
                               .values(name="changed"))
            _ = 1 / 0
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
            with pytest.raises(InvalidInput), a.transaction() as tx:
                tx.publish(UnitChanged(seq=tx.audit("unit.rename", "unit", "P-102"),
                                       callsign="P-102", action="rename"))
                raise InvalidInput("refused halfway")
            a.units.set_status("P-103", "available_mobile", source="radio")
        assert watcher.poll() > 0
        assert seen == [e for e in local if e.shared]
        assert [(e.callsign, e.action) for e in seen if isinstance(e, UnitChanged)] == [
            ("P-101", "status"), ("P-103", "status")]
        assert b.units.get("P-103").status == "available_mobile"
    finally:
        a.close()
        b.close()
