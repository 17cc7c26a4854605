"""The runtime verifies the trail at start and raises the alarm for every workstation."""

from __future__ import annotations

from sqlalchemy import select, text

from meldkamer.core import Meldkamer
from meldkamer.events import AuditBroken, DomainEvent
from meldkamer.runtime import Runtime
from meldkamer.services import anchors, audit
from meldkamer.store.models import ChangeEvent


def test_a_good_trail_at_start_is_checkpointed_and_quiet(core: Meldkamer) -> None:
    core.incidents.create(caller_number="112", island="BO")
    heard: list[DomainEvent] = []
    core.bus.subscribe(heard.append)
    with Runtime(core, watch=False) as runtime:
        assert runtime.trail.broken is None and runtime.trail.verified is not None
        assert {"audit-checkpoint", "audit-verify"} <= set(runtime.job_ids())
        with core.store.read() as session:
            chain = audit.facts(session)["audit_chain_id"]
        assert anchors.read(chain)[0][-1].reason == "start"
        assert runtime.trail.check().ok  # the cheap check from the verified head
    assert not [e for e in heard if isinstance(e, AuditBroken)]


def test_a_break_found_at_start_raises_the_shared_alarm(core: Meldkamer) -> None:
    number = core.incidents.create(caller_number="112", island="BO").number
    with core.store.engine.begin() as conn:
        conn.execute(text("UPDATE incident SET state = 'closed' WHERE number = :n"),
                     {"n": number})
    heard: list[DomainEvent] = []
    core.bus.subscribe(heard.append)
    with Runtime(core, watch=False) as runtime:
        alarms = [e for e in heard if isinstance(e, AuditBroken)]
        assert len(alarms) == 1
        assert alarms[0].problem == f"incident {number}: state differs from the trail"
        assert alarms[0].workstation == core.workstation and alarms[0].seq > 0
        with core.store.read() as session:  # in the change feed, for the others
            stored = session.execute(select(ChangeEvent.type, ChangeEvent.payload)
                                     .where(ChangeEvent.type == "audit.broken")).all()
        assert [p["problem"] for _t, p in stored] == [alarms[0].problem]
        runtime.trail.check()  # the same break found again is not raised again
        assert len([e for e in heard if isinstance(e, AuditBroken)]) == 1


def test_the_alarm_reaches_another_workstation_through_the_change_feed(
        core: Meldkamer, ref: object) -> None:
    from meldkamer.services.changes import ChangeWatcher
    from tests.fixtures import open_core

    other = open_core(core.store.url, ref)  # type: ignore[arg-type]
    try:
        watcher = ChangeWatcher(other)
        watcher.poll()  # caught up: from here on it hears what is new
        heard: list[DomainEvent] = []
        other.bus.subscribe(heard.append)
        number = core.incidents.create(caller_number="112", island="BO").number
        with core.store.engine.begin() as conn:
            conn.execute(text("UPDATE incident SET priority = 5 WHERE number = :n"),
                         {"n": number})
        with Runtime(core, watch=False):
            pass
        watcher.poll()
        alarms = [e for e in heard if isinstance(e, AuditBroken)]
        assert [a.problem for a in alarms] == [
            f"incident {number}: priority differs from the trail"]
    finally:
        other.close()
