"""Two operators on the same unit or incident: the second is refused, told by whom, and
nothing is overwritten (each case on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import Conflict, Refused
from meldkamer.services import conflicts
from meldkamer.services.dispatch import TurnoutChanged
from tests.fixtures import demo_core, open_core, seed_tester, write_token_file

Pair = tuple[Meldkamer, Meldkamer]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def two(db_url: str, ref: Reference) -> Iterator[Pair]:
    gen = demo_core(db_url, ref, "operator-a")
    a = next(gen)
    b = open_core(db_url, ref, user="operator-b")
    yield a, b
    b.close()
    gen.close()


def _incident(core: Meldkamer, cls: str = "BZ.INB.WON") -> str:
    return str(core.incidents.create(caller_number="112", lat=12.15, lon=-68.27,
                                     classification=cls).number)


def test_the_same_unit_dispatched_by_two_operators(two: Pair) -> None:
    a, b = two
    first, second = _incident(a), _incident(b)
    unit = b.dispatch.propose(second).proposals[0].callsign  # b reads it available
    a.dispatch.dispatch(first, [unit])  # a is first
    with pytest.raises(Refused, match=f"{unit} is .*{first}.*override"):
        b.dispatch.dispatch(second, [unit])
    number, change = conflicts.unit_taken(b, unit)
    assert number == first and change is not None and change.user == "operator-a"
    told = conflicts.explain_units(b, [unit], Refused("x"))
    assert f"{unit} is on {first} now: dispatched by operator-a" in told
    assert a.units.get(unit).incident == first  # nothing overwritten


def test_a_confirmed_turnout_whose_unit_was_taken_meanwhile(two: Pair) -> None:
    a, b = two
    first, second = _incident(a), _incident(b)
    shown = b.dispatch.propose(second)  # what b's operator is looking at
    taken = shown.slots[0].callsign
    assert taken is not None
    a.dispatch.dispatch(first, [taken])
    with pytest.raises(TurnoutChanged) as lost:
        b.dispatch.dispatch_turnout(second, partial=True, confirmed=shown)
    assert taken not in {s.callsign for s in lost.value.proposals.slots}  # as it is now
    assert b.incidents.get(second).assignments == ()  # nothing was sent
    assert a.units.get(taken).incident == first


def test_the_same_incident_edited_by_two_operators(two: Pair) -> None:
    a, b = two
    number = _incident(a)
    read = b.incidents.get(number)  # b's form shows this version
    a.incidents.change_priority(number, 1, "wapen gezien", expected_version=read.version)
    with pytest.raises(Conflict, match=f"{number} was changed by someone else"):
        b.incidents.change_priority(number, 3, "rustig", expected_version=read.version)
    with pytest.raises(Conflict):
        b.incidents.classify(number, "BZ.INB.WON", expected_version=read.version)
    with pytest.raises(Conflict):
        b.incidents.locate(number, address="Kaya Grandi 1", expected_version=read.version)
    now = b.incidents.get(number)
    assert now.priority == 1 and now.address != "Kaya Grandi 1"  # a's edit stands
    change = conflicts.last_change(b, "incident", number)
    assert change is not None and change.user == "operator-a"
    assert change.action == "incident.priority"
    assert "last changed by operator-a" in conflicts.explain_incident(b, number, Conflict("x"))


@pytest.mark.postgres
def test_a_conflict_is_reported_to_a_second_process(pg_url: str, ref: Reference,
                                                    tmp_path: Path) -> None:
    seed_tester(pg_url, "operator-b", "operator")  # the second operator, logged in by token
    token = write_token_file(tmp_path / "token-b", "operator-b")
    gen = demo_core(pg_url, ref, "operator-a")
    a = next(gen)
    try:
        first, second = _incident(a), _incident(a)
        unit = a.dispatch.propose(first).proposals[0].callsign
        a.dispatch.dispatch(first, [unit])
        done = subprocess.run(
            [sys.executable, "-m", "meldkamer", "--db", pg_url,
             "incident", "dispatch", second, unit], capture_output=True, text=True,
            timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT),
                             "MELDKAMER_TOKEN_FILE": str(token)})
        assert done.returncode == 4, done.stderr  # refused: it is busy on the first
        assert unit in done.stderr and first in done.stderr
        assert "Traceback" not in done.stderr
        assert a.units.get(unit).incident == first
    finally:
        gen.close()
