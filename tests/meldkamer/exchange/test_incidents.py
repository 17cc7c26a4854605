"""Incident export: CSV and JSON round trips, redaction of personal data, bad periods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meldkamer.cli import commands as c
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.exchange import incidents as ex
from meldkamer.store.db import Store
from tests.meldkamer.reports import shiftdata


@pytest.fixture
def day_db(tmp_path: Path, sqlite_template: Path, ref: Reference) -> tuple[str, dict[str, str]]:
    url = shiftdata.fresh(tmp_path, sqlite_template)
    return url, shiftdata.build(url, ref)


def run_cli(argv: list[str]) -> int:
    """The real CLI: ``export incidents`` sits in the ``export`` group with ``export cap``."""
    from meldkamer.cli import build_parser

    return c.run(build_parser().parse_args(argv))


def _doc(url: str, ref: Reference, *, redact: bool = False) -> dict[str, object]:
    core = Meldkamer(Store(url), ref, user="tester")
    try:
        return ex.collect(core, start=ex.moment("2026-09-18"),
                          end=ex.moment("2026-09-18", end=True), redact=redact)
    finally:
        core.close()


def test_json_and_csv_round_trip(day_db: tuple[str, dict[str, str]], ref: Reference,
                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, n = day_db
    doc = _doc(url, ref)
    incidents = doc["incidents"]
    assert [i["number"] for i in incidents] == [n["burglary"], n["cardiac"], n["noise"]]
    burglary = incidents[0]
    assert burglary["calls"][0]["caller_name"] == shiftdata.CALLER[1]
    assert [a["callsign"] for a in burglary["assignments"]] == ["P-101"]
    assert [t["status"] for t in burglary["assignments"][0]["times"]] == [
        "dispatched", "on_scene", "available_mobile"]
    assert any(e["text"] == shiftdata.NOTE for e in burglary["log"])
    assert ex.read_json(ex.to_json(doc)) == doc
    assert ex.read_csv(ex.to_csv(doc)) == incidents
    for fmt in ("json", "csv"):
        out = tmp_path / f"day.{fmt}"
        assert run_cli(["export", "incidents", "--db", url, "--from", "2026-09-18", "--to",
                        "2026-09-18", "--format", fmt, "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        back = ex.read_json(text)["incidents"] if fmt == "json" else ex.read_csv(text)
        assert back == incidents
    assert run_cli(["export", "incidents", "--db", url, "--number", n["noise"], "--format",
                    "json"]) == 0
    assert [i["number"] for i in json.loads(capsys.readouterr().out)["incidents"]] == [
        n["noise"]]


def test_redact_leaves_no_caller_name_number_or_note(day_db: tuple[str, dict[str, str]],
                                                     ref: Reference) -> None:
    url, _ = day_db
    source = _doc(url, ref)
    secrets: set[str] = {shiftdata.NOTE, "Jan Pietersz", "Maria Tromp", "Kaya Grandi"}
    for inc in source["incidents"]:  # type: ignore[attr-defined]
        for call in inc["calls"]:
            secrets |= {v for v in (call["caller_number"], call["caller_name"],
                                    call["callback_number"]) if v}
            secrets |= {call["caller_number"].removeprefix("+")[-7:]} - {""}
        secrets |= {inc["address"]} - {""}
    redacted = _doc(url, ref, redact=True)
    for text in (ex.to_json(redacted), ex.to_csv(redacted)):
        for secret in secrets:
            assert secret not in text, secret
        assert "tester" not in text  # staff logins
    burglary = redacted["incidents"][0]  # type: ignore[index]
    assert abs(burglary["lat"] - 12.1505) < 1e-3 and burglary["lat"] == round(burglary["lat"], 3)
    assert burglary["classification"] == "BZ.INB.WON"
    assert burglary["calls"][0]["number_state"] == "known"
    assert burglary["closed_at"] == source["incidents"][0]["closed_at"]  # type: ignore[index]
    assert "P-101 dispatched" in [e["text"] for e in burglary["log"]]
    assert ex.read_csv(ex.to_csv(redacted)) == redacted["incidents"]


def test_a_period_with_nothing(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["export", "incidents", "--db", sqlite_url, "--from", "2026-01-01",
                    "--to", "2026-01-31", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [",".join(ex.CSV_FIELDS)] and ex.read_csv(out) == []
    assert run_cli(["export", "incidents", "--db", sqlite_url, "--from", "2026-01-01",
                    "--to", "2026-01-31", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["incidents"] == []


@pytest.mark.parametrize("start,end", [("2026-02-30", "2026-03-01"), ("soon", "2026-03-01"),
                                       ("2026-03-01T10:00", "2026-03-02"),
                                       ("2026-03-05", "2026-03-01")])
def test_bad_dates(start: str, end: str, sqlite_url: str,
                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["export", "incidents", "--db", sqlite_url, "--from", start, "--to", end,
                    "--format", "json", "--json"]) == 2
    err = capsys.readouterr().err
    assert "meldkamer:" in err and "Traceback" not in err


def test_a_csv_that_is_not_an_export_is_refused() -> None:
    with pytest.raises(InvalidInput):
        ex.read_csv("record,incident\nsomething,X\n")
    with pytest.raises(InvalidInput):
        ex.read_json("{\"format\": \"other\"}")
