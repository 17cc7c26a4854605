"""Edge cases: GPS fixes and versions, withheld numbers, reassignment feeds, bad map data."""

from __future__ import annotations

from pathlib import Path

import pytest

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.events import DomainEvent, IncidentChanged
from meldkamer.services.changes import ChangeWatcher
from tests.fixtures import open_core


def test_a_position_fix_is_not_an_edit(core: Meldkamer) -> None:
    unit = core.units.get("P-101")
    moved = core.units.set_position("P-101", 12.16, -68.28)
    assert (moved.lat, moved.lon, moved.version) == (12.16, -68.28, unit.version)
    # an operator who read the unit before the fix is not told someone else changed it
    core.units.set_status("P-101", "available_mobile", expected_version=unit.version)
    assert core.units.get("P-101").lat == pytest.approx(12.16)


def test_withheld_numbers_are_not_one_caller(core: Meldkamer) -> None:
    for _ in range(4):
        core.incidents.create(caller_number="anoniem", lat=12.15, lon=-68.27)
    history = core.intake.caller_history("anonymous")
    assert history.incidents == () and not history.repeat_caller
    from meldkamer.errors import InvalidInput

    with pytest.raises(InvalidInput):
        core.intake.flag_caller("anonymous", "risk", "x")


def test_reassignment_reaches_other_workstations(sqlite_url: str, ref: Reference) -> None:
    from meldkamer.demo import load_demo

    a = open_core(sqlite_url, ref)
    b = open_core(sqlite_url, ref)
    load_demo(a, incidents=False)
    first = a.incidents.create(caller_number="911", lat=12.15, lon=-68.27,
                               classification="BZ.INB.WON")
    second = a.incidents.create(caller_number="912", lat=12.15, lon=-68.27,
                                classification="BZ.INB.WON")
    a.dispatch.dispatch(first.number, ["P-101"])
    watcher = ChangeWatcher(b)
    seen: list[DomainEvent] = []
    b.bus.subscribe(seen.append)
    a.dispatch.dispatch(second.number, ["P-101"], override_reason="prio")
    watcher.poll()
    changed = {e.number for e in seen if isinstance(e, IncidentChanged)}
    assert {first.number, second.number} <= changed
    own = ChangeWatcher(a)
    a.incidents.add_note(first.number, "eigen wijziging")
    assert own.poll() == 0  # our own change is not echoed
    a.close()
    b.close()


def test_damaged_map_data_falls_back_to_estimates(core: Meldkamer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "geodata"
    folder.mkdir()
    (folder / "geodata.sqlite3").write_bytes(b"this is not a database at all" * 100)
    monkeypatch.setenv("MELDKAMER_GEODATA", str(folder))
    ps = core.dispatch.propose_at(island="BO", lat=12.2376, lon=-68.3306,
                                  classification="BZ.INB.WON")
    assert ps.proposals and all(not p.routed for p in ps.proposals)
    assert "estimated" in ps.method
    assert core.intake.locations().search("rincon", 3)


def test_relative_sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             ref: Reference) -> None:
    from meldkamer.store.db import Store

    monkeypatch.chdir(tmp_path)
    store = Store("sqlite:///relative.sqlite3")
    assert store.path == tmp_path / "relative.sqlite3"
    Meldkamer(store, ref, user="x").incidents.create(caller_number="911")
    store.dispose()
    again = Store("sqlite:///relative.sqlite3")
    assert Meldkamer(again, ref, user="x").incidents.list_incidents(active=False)
    again.dispose()
