"""execute: idempotency by command id, races, roles, the one write path, fuzzing."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from meldkamer.commands import COMMANDS, CloseIncident, Command, CreateIncident, ImportRoster
from meldkamer.core import Meldkamer
from meldkamer.domain.source import Source
from meldkamer.errors import MeldkamerError, Refused
from meldkamer.roles import Actor, Role
from meldkamer.store.models import AuditEvent, CommandRecord, Incident

KRALENDIJK = (12.1443, -68.2655)


def _count(core: Meldkamer, model: type) -> int:
    with core.store.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar() or 0)


def test_the_same_command_twice_acts_once(core: Meldkamer) -> None:
    cmd = CreateIncident.build(core, caller_number="+599 717 1234", lat=KRALENDIJK[0],
                            lon=KRALENDIJK[1])
    events, incidents = _count(core, AuditEvent), _count(core, Incident)
    first = core.execute(cmd)
    again = core.execute(cmd)
    assert again.number == first.number
    assert _count(core, Incident) == incidents + 1
    assert _count(core, AuditEvent) == events + 1
    assert core.command_outcome(cmd.command_id).committed
    assert core.verify_audit().ok


def test_two_threads_racing_one_id_act_once(core: Meldkamer) -> None:
    cmd = CreateIncident.build(core, caller_number="+599 717 1234")
    before = _count(core, Incident)
    results: list[str] = []

    def run() -> None:
        results.append(core.execute(cmd).number)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert _count(core, Incident) == before + 1
    assert _count(core, CommandRecord) >= 1


def test_writing_outside_execute_raises(core: Meldkamer) -> None:
    with pytest.raises(RuntimeError, match="outside execute"), core.transaction():
        pass


def test_a_technician_cannot_close_an_incident(core: Meldkamer) -> None:
    number = core.incidents.create(caller_number="+599 717 1234").number
    core.set_actor(Actor("tech", Role.TECHNICIAN, core.workstation))
    with pytest.raises(Refused, match="technician"):
        core.incidents.close(number, "HANDLED")
    with pytest.raises(Refused):
        core.execute(CloseIncident.build(core, number=number, disposition="HANDLED"))


def test_an_operator_cannot_import_a_roster(core: Meldkamer) -> None:
    core.set_actor(Actor("op", Role.OPERATOR, core.workstation))
    with pytest.raises(Refused, match="operator"):
        core.execute(ImportRoster.build(core, data={"unit": []}))


def test_only_a_supervisor_diverts_a_busy_unit(core: Meldkamer) -> None:
    a = core.incidents.create(caller_number="+599 717 1234", lat=KRALENDIJK[0],
                              lon=KRALENDIJK[1]).number
    b = core.incidents.create(caller_number="+599 717 1235", lat=KRALENDIJK[0],
                              lon=KRALENDIJK[1]).number
    core.dispatch.dispatch(a, ["P-101"])
    core.set_actor(Actor("op", Role.OPERATOR, core.workstation))
    with pytest.raises(Refused, match="supervisor"):
        core.dispatch.dispatch(b, ["P-101"], override_reason="robbery in progress")
    core.set_actor(Actor("sup", Role.SUPERVISOR, core.workstation))
    core.dispatch.dispatch(b, ["P-101"], override_reason="robbery in progress")
    assert core.units.get("P-101").incident == b


def test_a_radio_sets_a_status_whoever_is_logged_in(core: Meldkamer) -> None:
    core.set_actor(Actor("admin", Role.ADMINISTRATOR, core.workstation))
    with core.acting(Source.radio(core.user, "P-101", 2110101)):
        core.units.set_status("P-101", "available_mobile")
    assert core.units.get("P-101").status == "available_mobile"


def _value() -> st.SearchStrategy[object]:
    return st.one_of(st.text(max_size=50), st.text(min_size=5000, max_size=5000),
                     st.just(""), st.integers(min_value=-(2**80), max_value=2**80),
                     st.floats(allow_nan=True, allow_infinity=True), st.none(),
                     st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(sorted(n for n in COMMANDS if not n.startswith("test."))),
       data=st.data())
def test_fuzzed_commands_fail_only_with_meldkamer_errors(sqlite_core: Meldkamer, name: str,
                                                         data: st.DataObject) -> None:
    import dataclasses

    cls: type[Command] = COMMANDS[name]
    own = [f.name for f in dataclasses.fields(cls)
           if f.name not in ("command_id", "user", "workstation", "at", "source_kind",
                             "source_detail")]
    values = {n: data.draw(_value(), label=n) for n in own}
    try:
        cmd = cls.build(sqlite_core, **values)
        sqlite_core.execute(cmd)
    except MeldkamerError:
        pass
    report = sqlite_core.verify_audit()
    assert report.ok, report.problem
