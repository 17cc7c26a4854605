"""``meldkamer unit import``: a roster is checked by its schema, shown as a diff, written only
with --apply, never moves a busy unit across the sea, never wipes what it does not name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core, seed_tester, write_token_file


@pytest.fixture
def mk(db_url: str, ref: Reference, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Meldkamer]:
    """A demo database; the CLI acts as an administrator (reference data is theirs)."""
    seed_tester(db_url, "admin", "administrator")
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(write_token_file(tmp_path / "admin", "admin")))
    yield from demo_core(db_url, ref)


def test_an_operator_may_not_import_a_roster(capsys: pytest.CaptureFixture[str],
                                             mk: Meldkamer, db_url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    seed_tester(db_url, "op", "operator")
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(write_token_file(tmp_path / "op", "op")))
    file = roster(tmp_path, '[[unit]]\ncallsign = "P-101"\nname = "Renamed"\n')
    before = state(mk)
    rc, _, err = run(capsys, mk, "unit", "import", file, "--apply")
    assert rc == 4 and "operator" in err and "roster.import" in err, err
    assert state(mk) == before


def state(core: Meldkamer) -> dict[str, Any]:
    """What an import could change: every unit as listed, and the audit trail's length."""
    report = core.verify_audit()
    assert report.ok
    return {"units": [u.to_dict() for u in core.units.list_units()], "audit": report.events}


def run(capsys: pytest.CaptureFixture[str], core: Meldkamer, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--db", core.store.url, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def roster(tmp_path: Path, text: str) -> str:
    path = tmp_path / "roster.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def refused(capsys: pytest.CaptureFixture[str], core: Meldkamer, file: str, code: int,
            *words: str) -> None:
    """The import (dry run and --apply) ends with a clear error and changes nothing."""
    before = state(core)
    for extra in ((), ("--apply",)):
        rc, _, err = run(capsys, core, "unit", "import", file, *extra)
        assert rc == code, err
        assert err.startswith("meldkamer: ") and err.count("\n") == 1, err
        for word in words:
            assert word in err, (word, err)
    assert state(core) == before


def test_a_busy_unit_is_not_moved_to_another_island(
        capsys: pytest.CaptureFixture[str], mk: Meldkamer, tmp_path: Path) -> None:
    inc = mk.incidents.create(caller_number="+599 717 1234", lat=12.15, lon=-68.27,
                              classification="BZ.INB.WON")
    mk.dispatch.dispatch(inc.number, ["A-101"])
    mk.units.set_status("A-101", "en_route")
    mk.units.set_status("A-101", "on_scene")
    file = roster(tmp_path, '[[unit]]\ncallsign = "P-102"\nname = "Changed first"\n\n'
                            '[[unit]]\ncallsign = "A-101"\nisland = "SA"\n')
    refused(capsys, mk, file, 4, "A-101", "island", "roster.toml", "unit 2")
    assert mk.units.get("A-101").island == "BO"
    assert mk.units.get("P-102").name != "Changed first"  # the whole roster is refused


def test_fields_the_file_does_not_name_are_kept(
        capsys: pytest.CaptureFixture[str], mk: Meldkamer, tmp_path: Path) -> None:
    before = mk.units.get("A-101")
    assert before.capabilities and before.demo
    file = roster(tmp_path, '[[unit]]\ncallsign = "A-101"\nname = "Ambulance Een"\n')
    unchanged = state(mk)
    rc, out, _ = run(capsys, mk, "unit", "import", file)  # the diff only
    assert rc == 0 and "changed: unit A-101" in out and "name" in out and "--apply" in out
    assert state(mk) == unchanged
    rc, out, _ = run(capsys, mk, "unit", "import", file, "--apply")
    assert rc == 0
    after = mk.units.get("A-101")
    assert after.name == "Ambulance Een"
    assert after.capabilities == before.capabilities and after.demo is True
    assert (after.island, after.issi, after.station) == (before.island, before.issi,
                                                         before.station)
    assert mk.verify_audit().events == unchanged["audit"] + 1


def test_the_diff_names_added_changed_and_unchanged(
        capsys: pytest.CaptureFixture[str], mk: Meldkamer, tmp_path: Path) -> None:
    file = roster(tmp_path, '[[unit]]\ncallsign = "P-101"\nissi = 2110999\n\n'
                            '[[unit]]\ncallsign = "P-102"\n\n'
                            '[[unit]]\ncallsign = "P-199"\ndiscipline = "police"\n'
                            'island = "BO"\ncapabilities = ["patrol_car"]\n')
    before = state(mk)
    rc, out, _ = run(capsys, mk, "unit", "import", file, "--json")
    assert rc == 0
    import json

    diff = json.loads(out)
    assert diff["added"] == ["unit P-199"] and diff["unchanged"] == ["unit P-102"]
    assert diff["changed"] == {"unit P-101": {"issi": {"old": 2110101, "new": 2110999}}}
    assert diff["applied"] is False and state(mk) == before
    assert run(capsys, mk, "unit", "import", file, "--apply")[0] == 0
    assert mk.units.get("P-199").capabilities == ("patrol_car",)
    assert mk.units.get("P-199").demo is False


@pytest.mark.parametrize(("text", "words"), [
    ('[[unit]]\ncallsign = "A-101"\ncapabilities = "patrol"\n',
     ["unit 1 (A-101)", "capabilities", "list"]),
    ('[[unit]]\ncallsign = "' + "X" * 5000 + '"\ndiscipline = "police"\nisland = "BO"\n',
     ["unit 1", "callsign", "20 characters"]),
    ('[[unit]]\ncallsign = ""\ndiscipline = "police"\nisland = "BO"\n',
     ["unit 1", "callsign", "empty"]),
    ('[[unit]]\ncallsign = "   "\ndiscipline = "police"\nisland = "BO"\n',
     ["unit 1", "callsign", "empty"]),
    ("version = 1\n", ["empty"]),
    ("", ["empty"]),
    ('[[unit]]\ncallsign = "A-101"\nissi = 1e300\n', ["unit 1 (A-101)", "issi", "whole number"]),
    ('[[unit]]\ncallsign = "A-101"\nissi = 99999999\n', ["unit 1 (A-101)", "issi", "at most"]),
    ('[[unit]]\ncallsign = "A-101"\ncapabilities = 5\n', ["unit 1 (A-101)", "capabilities"]),
    ('[[unit]]\ncallsign = "A-101"\ncapabilities = ["teleporter"]\n',
     ["capabilities", "unknown capability"]),
    ('[[unit]]\ncallsign = "A-101"\nisland = "XX"\n', ["island", "known island"]),
    ('[[unit]]\ncallsign = "A-101"\nname = "' + "n" * 121 + '"\n', ["name", "120"]),
    ('[[unit]]\ncallsign = "A 101!"\n', ["callsign", "letters"]),
    ('[[unit]]\ncallsign = "A-101"\ncapabilites = ["boat"]\n', ["capabilites", "not a field"]),
    ('[[unit]]\ncallsign = "A-101"\n\n[[unit]]\ncallsign = "a-101"\n', ["twice"]),
    ('[[unit]]\ncallsign = "Z-999"\n', ["unit 1 (Z-999)", "discipline", "new unit"]),
    ('[[unit]]\ncallsign = "A-101"\nissi = 2110101\n', ["issi", "P-101"]),
    ('[[unit]]\ncallsign = "A-101"\nstation = "NOWHERE"\n', ["unknown station"]),
    ("unit = 5\n", ["unit", "list"]),
    ("[[unit]\n", ["not valid TOML"]),
])
def test_a_bad_roster_is_refused_naming_entry_and_field(
        capsys: pytest.CaptureFixture[str], mk: Meldkamer, tmp_path: Path, text: str,
        words: list[str]) -> None:
    refused(capsys, mk, roster(tmp_path, text), 2, *words)


def test_dev_zero_is_refused_before_reading(capsys: pytest.CaptureFixture[str],
                                            mk: Meldkamer) -> None:
    refused(capsys, mk, "/dev/zero", 2, "/dev/zero", "device")


def test_a_fifo_is_refused_without_blocking(capsys: pytest.CaptureFixture[str], mk: Meldkamer,
                                            tmp_path: Path) -> None:
    fifo = tmp_path / "roster.fifo"
    os.mkfifo(fifo)  # no writer: a blocking open or read would hang the test
    refused(capsys, mk, str(fifo), 2, "FIFO")


def test_a_folder_or_a_huge_file_is_refused(capsys: pytest.CaptureFixture[str], mk: Meldkamer,
                                            tmp_path: Path) -> None:
    refused(capsys, mk, str(tmp_path), 2, "folder")
    big = tmp_path / "big.toml"
    with big.open("wb") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse: large on paper, nothing to read
    refused(capsys, mk, str(big), 2, "larger than")
