"""The change feed: one workstation sees another's changes as the typed events it stored."""

from __future__ import annotations

from sqlalchemy import insert

from meldkamer.domain.reference import Reference
from meldkamer.events import (
    EVENT_TYPES,
    AlarmChanged,
    DomainEvent,
    IncidentChanged,
    UnitChanged,
    UnitDispatched,
)
from meldkamer.services.changes import ChangeWatcher, changes_since, count, prune
from meldkamer.store.models import ChangeEvent
from tests.fixtures import open_core


def test_second_core_sees_changes_of_the_first(db_url: str, ref: Reference) -> None:
    from meldkamer.demo import load_demo

    a = open_core(db_url, ref, user="operator-a")
    b = open_core(db_url, ref, user="operator-b")
    load_demo(a, incidents=False)
    watcher = ChangeWatcher(b)
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    local: list[DomainEvent] = []
    a.bus.subscribe(local.append)
    inc = a.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                             classification="BZ.INB.WON")
    unit = a.dispatch.propose(inc.number).proposals[0].callsign
    a.dispatch.dispatch(inc.number, [unit])
    a.units.set_status(unit, "en_route")
    assert watcher.poll() > 0
    # the other workstation gets exactly the shared events, equal to the local ones
    assert seen == [e for e in local if e.shared]
    assert not any(isinstance(e, UnitDispatched) for e in seen)  # the SDS goes out once
    numbers = {e.number for e in seen if isinstance(e, IncidentChanged)}
    callsigns = {e.callsign for e in seen if isinstance(e, UnitChanged)}
    assert numbers == {inc.number}
    assert unit in callsigns
    assert b.units.get(unit).status == "en_route"
    # b's own changes are not echoed back to b by its watcher
    seen.clear()
    b.incidents.add_note(inc.number, "van b")
    local_count = len(seen)
    assert watcher.poll() == 0 and len(seen) == local_count
    a.close()
    b.close()


def test_an_alarm_from_an_unknown_radio_travels_typed(sqlite_url: str, ref: Reference) -> None:
    a = open_core(sqlite_url, ref)
    b = open_core(sqlite_url, ref)
    watcher = ChangeWatcher(b)
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    alarm = a.alarms.raise_alarm(None, "button", issi=4242)
    watcher.poll()
    assert seen == [AlarmChanged(seq=seen[0].seq, alarm_id=alarm.id, callsign=None,
                                 issi=4242, action="raise")]
    a.close()
    b.close()


def test_every_registered_event_is_read_back_as_itself() -> None:
    import dataclasses

    from meldkamer.events import from_record

    for name, cls in EVENT_TYPES.items():
        fields = [f.name for f in dataclasses.fields(cls) if f.name != "seq"]
        values = {f: 7 if "id" in f or f in ("count", "issi") else f"v-{f}" for f in fields}
        event = cls(seq=3, **values)
        assert event.type_name == name
        assert from_record(name, 3, event.payload()) == event


def test_unknown_or_damaged_stored_events_are_skipped_not_fatal(sqlite_url: str,
                                                                ref: Reference) -> None:
    a = open_core(sqlite_url, ref)
    b = open_core(sqlite_url, ref)
    watcher = ChangeWatcher(b)
    now = a.clock()
    with a.store.write() as session:
        session.execute(insert(ChangeEvent), [
            {"seq": 1, "at": now, "origin": "x", "type": "from.a.newer.version", "payload": {}},
            {"seq": 1, "at": now, "origin": "x", "type": "incident.changed",
             "payload": {"number": "BON-2026-000001"}},  # no action: damaged
            {"seq": 2, "at": now, "origin": "x", "type": "incident.changed",
             "payload": {"number": "BON-2026-000002", "action": "incident.note"}},
        ])
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    assert watcher.poll() == 1
    assert seen == [IncidentChanged(seq=2, number="BON-2026-000002", action="incident.note")]
    a.close()
    b.close()


def test_a_long_backlog_is_read_in_pages_without_losing_any(sqlite_url: str,
                                                            ref: Reference) -> None:
    a = open_core(sqlite_url, ref)
    b = open_core(sqlite_url, ref)
    watcher = ChangeWatcher(b)
    now = a.clock()
    with a.store.write() as session:  # 2,500 events of one transaction: one seq
        session.execute(insert(ChangeEvent), [
            {"seq": 5, "at": now, "origin": "x", "type": "unit.changed",
             "payload": {"callsign": f"U-{i}", "action": "status"}} for i in range(2500)])
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    assert watcher.poll() == 2500
    assert [e.callsign for e in seen] == [f"U-{i}" for i in range(2500)]  # type: ignore[attr-defined]
    events, cursor = changes_since(b, watcher.cursor)
    assert events == [] and cursor == watcher.cursor
    a.close()
    b.close()


def test_prune_forgets_day_old_changes(sqlite_url: str, ref: Reference) -> None:
    from datetime import UTC, datetime, timedelta

    a = open_core(sqlite_url, ref)
    a.alarms.raise_alarm(None, "button", issi=1)
    assert count(a) == 1
    assert prune(a) == 0
    tomorrow = datetime.now(UTC) + timedelta(days=1, minutes=1)
    a.clock = lambda: tomorrow  # type: ignore[method-assign]
    assert prune(a) == 1 and count(a) == 0
    a.close()


def test_own_rows_are_skipped_in_the_query_and_the_cursor_moves_past_them(
        sqlite_url: str, ref: Reference) -> None:
    a = open_core(sqlite_url, ref)
    watcher = ChangeWatcher(a)
    for issi in range(1, 6):
        a.alarms.raise_alarm(None, "button", issi=issi)
    events, cursor = changes_since(a, watcher.cursor, skip_origin=a.origin)
    assert events == [] and cursor > watcher.cursor  # nothing decoded, cursor moved on
    assert watcher.poll() == 0 and watcher.cursor == cursor
    a.close()
