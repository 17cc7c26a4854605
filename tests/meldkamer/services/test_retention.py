"""The retention pass: closed incidents past the period lose their personal data, keep their
statistics, and the audit trail still verifies (and still catches a later edit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput, Refused
from meldkamer.roles import Actor, Role
from meldkamer.services import retention
from tests.fixtures import demo_core

NAME, NUMBER, CALLBACK = "Jan Piet Martis", "+5997001234", "+5997009876"
NOTE, CLOSING = "rook uit het dak, bewoner heeft astma", "Jan bedankt"
SDS = "slachtoffer mevrouw Martis naar ziekenhuis"


@pytest.fixture
def admin(db_url: str, ref: Reference) -> Iterator[Meldkamer]:
    """A demo database and a core acting as an administrator (who runs the pass)."""
    for core in demo_core(db_url, ref):
        core.set_actor(Actor("admin", Role.ADMINISTRATOR, core.workstation))
        yield core


def _past(core: Meldkamer, days: int) -> Meldkamer:
    """A supervisor's core on the same store, its clock ``days`` back (a shift long gone)."""
    if not days:
        return Meldkamer(core.store, core.ref, user="tester")
    at = datetime.now(UTC) - timedelta(days=days)
    return Meldkamer(core.store, core.ref, user="tester", clock=lambda: at)


def _closed_incident(core: Meldkamer) -> str:
    """A call with a name and numbers, a note, a unit on scene and back, closed with a note."""
    inc = core.incidents.create(caller_number=NUMBER, caller_name=NAME,
                                callback_number=CALLBACK, island="BO",
                                classification="BR.GEB.WON", note=NOTE)
    core.incidents.attach_call(inc.number, caller_number="112", caller_name="buurman Ko")
    core.dispatch.dispatch(inc.number, ["B-102"])
    core.units.set_status("B-102", "on_scene")
    core.incidents.log_message(inc.number, "radio", "SDS from {callsign}: {text}",
                               callsign="B-102", text=SDS)
    core.units.set_status("B-102", "available_mobile")
    core.incidents.close(inc.number, "HANDLED", note=CLOSING)
    return inc.number


def _rows(core: Meldkamer, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with core.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _statistics(core: Meldkamer, number: str) -> dict[str, Any]:
    """What the pass must keep: the incident, its calls' times, units, figures, counts."""
    where = "(SELECT id FROM incident WHERE number = :n)"
    return {
        "incident": _rows(core, "SELECT number, island, state, classification, priority, "
                                "created_at, closed_at, disposition, lat, lon, address, "
                                "version FROM incident WHERE number = :n", n=number),
        "calls": _rows(core, f"SELECT id, at, taken_by FROM call WHERE incident_id = {where} "
                             "ORDER BY id", n=number),
        "assignments": _rows(core, "SELECT unit_id, dispatched_at, cleared_at FROM assignment "
                                   f"WHERE incident_id = {where}", n=number),
        "response": _rows(core, "SELECT discipline, call_at, dispatched_at, on_scene_at, "
                                "processing_seconds, travel_seconds, total_seconds FROM "
                                f"incident_response WHERE incident_id = {where}", n=number),
        "status": _rows(core, "SELECT unit_id, from_status, to_status, at FROM "
                              f"unit_status_change WHERE incident_id = {where} ORDER BY id",
                        n=number),
        "log": _rows(core, f"SELECT id, kind, at, \"user\" FROM log_entry WHERE incident_id = "
                           f"{where} ORDER BY id", n=number),
    }


def _personal(core: Meldkamer, number: str) -> str:
    """Every personal value the database holds for an incident, as one text."""
    where = "(SELECT id FROM incident WHERE number = :n)"
    calls = _rows(core, "SELECT caller_number, caller_name, callback_number FROM call "
                        f"WHERE incident_id = {where}", n=number)
    lines = _rows(core, f"SELECT text, template, fields FROM log_entry WHERE incident_id = "
                        f"{where}", n=number)
    return repr(calls) + repr(lines)


def _trail(core: Meldkamer) -> int:
    return int(_rows(core, "SELECT count(*) FROM audit_event")[0][0])


def test_a_closed_incident_past_the_period_is_pseudonymised(admin: Meldkamer) -> None:
    old = _past(admin, 400)
    number = _closed_incident(old)
    kept = _statistics(admin, number)
    assert NAME in _personal(admin, number) and "700 1234" in _personal(admin, number)
    report = retention.run_policy(admin, retention.Policy())
    assert report.incidents == (number,) and report.calls == 2 and report.lines >= 4
    assert not report.dry_run
    personal = _personal(admin, number)
    for gone in (NAME, NUMBER, CALLBACK, "700 1234", "Ko", NOTE, CLOSING, SDS):
        assert gone not in personal, gone
    assert "112" in personal  # a short number names no caller
    assert _statistics(admin, number) == kept
    shown = admin.incidents.get(number)
    assert shown.calls[0].caller_name == retention.REMOVED
    notes = [e for e in shown.log if e.kind == "note"]
    assert notes and all("retention policy" in e.text for e in notes)
    assert notes[0].user == "tester"
    report = admin.verify_audit()
    assert report.ok, report.problems
    events = _rows(admin, "SELECT action, entity_key, data FROM audit_event WHERE action "
                          "IN ('retention.run', 'incident.pseudonymise')")
    assert {e[0] for e in events} == {"retention.run", "incident.pseudonymise"}
    assert all(NAME not in e[2] and NOTE not in e[2] for e in events)


def test_an_open_or_recent_incident_is_untouched(admin: Meldkamer) -> None:
    old = _past(admin, 400)
    still_open = old.incidents.create(caller_number=NUMBER, caller_name=NAME, island="BO",
                                      note=NOTE).number
    recent = _closed_incident(_past(admin, 30))
    before = {n: _personal(admin, n) for n in (still_open, recent)}
    report = retention.run_policy(admin, retention.Policy())
    assert report.incidents == () and report.calls == report.lines == 0
    assert {n: _personal(admin, n) for n in (still_open, recent)} == before
    assert admin.incidents.get(still_open).state == "open"


def test_verify_passes_afterwards_and_still_catches_a_direct_edit(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 400))
    retention.run_policy(admin, retention.Policy())
    assert admin.verify_audit().ok
    with admin.store.engine.begin() as conn:
        conn.execute(text("UPDATE call SET caller_name = 'Someone Else' WHERE incident_id = "
                          "(SELECT id FROM incident WHERE number = :n)"), {"n": number})
    report = admin.verify_audit()
    assert not report.ok
    assert any("caller_name differs from the trail" in p for p in report.problems)


def test_a_log_line_cannot_be_changed_outside_the_pass(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 400))
    retention.run_policy(admin, retention.Policy())
    with pytest.raises(DBAPIError, match="append-only"), admin.store.engine.begin() as conn:
        conn.execute(text("UPDATE log_entry SET text = 'forged' WHERE incident_id = "
                          "(SELECT id FROM incident WHERE number = :n)"), {"n": number})


def test_a_second_pass_changes_nothing(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 400))
    assert not retention.run_policy(admin, retention.Policy()).empty
    events, personal = _trail(admin), _personal(admin, number)
    commands = _rows(admin, "SELECT count(*) FROM command_record")
    again = retention.run_policy(admin, retention.Policy())
    assert again.empty and not again.dry_run
    assert _trail(admin) == events and _personal(admin, number) == personal
    assert _rows(admin, "SELECT count(*) FROM command_record") == commands
    assert admin.verify_audit().ok


def test_a_dry_run_writes_nothing(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 400))
    events, personal = _trail(admin), _personal(admin, number)
    report = retention.run_policy(admin, retention.Policy(), dry_run=True)
    assert report.dry_run and report.incidents == (number,) and report.calls == 2
    assert _trail(admin) == events and _personal(admin, number) == personal


def test_an_operator_or_supervisor_cannot_run_it(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 400))
    personal = _personal(admin, number)
    for role in (Role.OPERATOR, Role.SUPERVISOR):
        admin.set_actor(Actor("op", role, admin.workstation))
        with pytest.raises(Refused, match=r"retention\.run"):
            retention.run_policy(admin, retention.Policy())
    assert _personal(admin, number) == personal


def test_the_system_job_runs_it_and_periods_are_per_kind(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 100))
    admin.set_actor(Actor("op", Role.OPERATOR, admin.workstation))  # on duty: not theirs
    policy = retention.Policy(callers_days=90, text_days=365, flags_days=0)
    with admin.acting(admin.system("retention")):
        report = retention.run_policy(admin, policy)
    assert report.calls == 2 and report.flags_before is None
    personal = _personal(admin, number)
    assert NAME not in personal and NOTE in personal  # callers gone, the text kept
    assert admin.verify_audit().ok


def test_old_caller_flags_go_and_the_trail_never_held_their_number(admin: Meldkamer) -> None:
    _past(admin, 400).intake.flag_caller("+5997005555", "risk", note="agressief")
    _past(admin, 0).intake.flag_caller("+5997006666", "repeat")
    report = retention.run_policy(admin, retention.Policy())
    assert report.flags == 1
    assert _rows(admin, "SELECT number FROM caller_flag") == [("+5997006666",)]
    trail = repr(_rows(admin, "SELECT entity_key, data FROM audit_event"))
    for value in ("5997005555", "5997006666", "agressief", "5997001234"):
        assert value not in trail


def test_new_audit_events_hold_no_caller_number(admin: Meldkamer) -> None:
    duty = _past(admin, 0)
    inc = duty.incidents.create(caller_number=NUMBER, caller_name=NAME, island="BO")
    duty.incidents.attach_call(inc.number, caller_number=CALLBACK)
    trail = repr(_rows(admin, "SELECT data FROM audit_event WHERE action IN "
                              "('incident.create', 'incident.attach_call')"))
    assert "5997001234" not in trail and "5997009876" not in trail and NAME not in trail


def test_before_replaces_the_periods_and_refuses_the_future(admin: Meldkamer) -> None:
    number = _closed_incident(_past(admin, 30))
    assert retention.run_policy(admin, retention.Policy(), dry_run=True).empty
    report = retention.run_policy(admin, retention.Policy(),
                                  before=datetime.now(UTC) - timedelta(days=1))
    assert report.incidents == (number,)
    with pytest.raises(InvalidInput, match="future"):
        retention.run_policy(admin, retention.Policy(),
                             before=datetime.now(UTC) + timedelta(days=1))


def test_a_replayed_command_whose_result_was_forgotten_is_refused(admin: Meldkamer) -> None:
    from meldkamer.commands import CloseIncident

    old = _past(admin, 400)
    inc = old.incidents.create(caller_number=NUMBER, island="BO")
    command = CloseIncident.build(old, number=inc.number, disposition="HANDLED")
    old.execute(command)
    retention.run_policy(admin, retention.Policy())
    assert _rows(admin, "SELECT result FROM command_record WHERE command_id = :c",
                 c=command.command_id) == [(None,)]
    admin.set_actor(Actor("tester", Role.SUPERVISOR, admin.workstation))
    with pytest.raises(Refused, match="no longer kept"):
        admin.execute(command)
