"""The shift report's content (Qt-free): which incidents, units, events, CSV rows."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from meldkamer.cli import commands as c
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.reports import shift
from meldkamer.store.db import Store
from tests.meldkamer.reports import shiftdata


@pytest.fixture
def day_db(tmp_path: Path, sqlite_template: Path, ref: Reference) -> tuple[str, dict[str, str]]:
    url = shiftdata.fresh(tmp_path, sqlite_template)
    return url, shiftdata.build(url, ref)


def _collect(url: str, ref: Reference, kind: str | None = None,
             island: str | None = None) -> shift.ShiftReport:
    core = Meldkamer(Store(url), ref, user="tester",
                     clock=shiftdata.Clock(shiftdata.at(20, 12)))
    try:
        return shift.collect(core, date(2026, 9, 18), kind, island=island)
    finally:
        core.close()


def run_cli(argv: list[str]) -> int:
    """The real CLI (``report shift`` in the ``report`` group of meldkamer/cli/reports.py)."""
    from meldkamer.cli import build_parser

    return c.run(build_parser().parse_args(argv))


def test_the_whole_day_counts_its_incidents_units_events_and_handover(
        day_db: tuple[str, dict[str, str]], ref: Reference) -> None:
    url, n = day_db
    report = _collect(url, ref)
    assert report.window.start.isoformat() == "2026-09-18T04:00:00+00:00"
    assert report.window.end.isoformat() == "2026-09-19T04:00:00+00:00"
    assert [i.number for i in report.created] == [n["burglary"], n["cardiac"], n["noise"]]
    # The noise complaint closed at 01:00 the next day: open at the day's end.
    assert [i.number for i in report.handed_over] == [n["cardiac"], n["noise"]]
    units = {u.callsign: u for u in report.units}
    assert set(units) == {"P-101", "A-101"}
    assert units["P-101"].dispatches == 1 and units["P-101"].committed.total_seconds() == 48 * 60
    assert units["A-101"].committed.total_seconds() == (3 * 60 + 29) * 60  # 20:31 to 24:00
    kinds = [(e.kind, e.number) for e in report.notable]
    assert ("priority1", n["cardiac"]) in kinds
    assert ("emergency", n["burglary"]) in kinds
    assert ("long", n["cardiac"]) in kinds  # 3.5 h open at the end of the day
    burglary = report.incidents[0]
    assert burglary.first_dispatch == shiftdata.at(18, 8, 2)
    assert burglary.first_on_scene == shiftdata.at(18, 8, 10)
    assert burglary.state == "closed" and burglary.disposition == "HANDLED"


def test_a_night_shift_spans_midnight(day_db: tuple[str, dict[str, str]],
                                      ref: Reference) -> None:
    url, n = day_db
    report = _collect(url, ref, "night")
    assert report.window.start == shiftdata.at(18, 19)
    assert report.window.end == shiftdata.at(19, 7)
    assert [i.number for i in report.created] == [n["cardiac"], n["noise"], n["livestock"]]
    assert [i.number for i in report.handed_over] == [n["cardiac"], n["livestock"]]
    noise = next(i for i in report.incidents if i.number == n["noise"])
    assert noise.state == "closed" and noise.closed_at == shiftdata.at(19, 1)
    day = _collect(url, ref, "day")
    assert [i.number for i in day.created] == [n["burglary"]] and not day.handed_over


def test_island_filter(day_db: tuple[str, dict[str, str]], ref: Reference) -> None:
    url, n = day_db
    report = _collect(url, ref, "night", island="Saba")
    assert [i.number for i in report.incidents] == [n["livestock"]]
    assert [u.callsign for u in report.units] == ["P-301"]


def test_an_empty_shift(sqlite_url: str, ref: Reference, tmp_path: Path) -> None:
    report = _collect(sqlite_url, ref)
    assert not report.incidents and not report.units and not report.notable
    html = shift.render_html(report, ref)
    assert "Dienstrapport" in html and html.count('class="none"') == 5
    out = shift.write_csv(report, ref, tmp_path / "empty.csv")
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows == [list(shift.CSV_FIELDS)]


def test_csv_has_one_row_per_incident_with_the_supervisors_fields(
        day_db: tuple[str, dict[str, str]], ref: Reference, tmp_path: Path) -> None:
    url, n = day_db
    report = _collect(url, ref, "night")
    out = shift.write_csv(report, ref, tmp_path / "night.csv", lang="en")
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["number"] for r in rows] == [n["cardiac"], n["noise"], n["livestock"]]
    cardiac, noise, livestock = rows
    assert cardiac["priority"] == "1" and cardiac["created"] == "2026-09-18 20:30"
    assert cardiac["first_dispatch"] == "2026-09-18 20:31" and cardiac["units"] == "A-101"
    assert cardiac["handed_over"] == "yes" and cardiac["last_log"] == "A-101 dispatched"
    assert noise["closed"] == "2026-09-19 01:00" and noise["disposition"] == "NO_ACTION"
    assert noise["handed_over"] == "no" and noise["last_log"] == "Closed: No action required"
    assert livestock["island"] == "SA" and livestock["classification"] == "VK.HIN.VEE"


def test_html_follows_the_language_and_escapes(day_db: tuple[str, dict[str, str]],
                                               ref: Reference) -> None:
    url, _ = day_db
    report = _collect(url, ref)
    nl = shift.render_html(report, ref)
    en = shift.render_html(report, ref, lang="en")
    assert "Overgedragen open incidenten" in nl and "Open incidents handed over" in en
    assert "Kaya Grandi 12, Kralendijk" in en and "<script" not in en
    assert "http" not in en.replace("http-equiv", "")


@pytest.mark.parametrize("text", ["2026-13-01", "18-09-2026", "yesterday", ""])
def test_bad_dates_are_refused_with_a_message(text: str, sqlite_url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidInput):
        shift.parse_day(text)
    assert run_cli(["report", "shift", "--db", sqlite_url, "--date", text, "--csv",
                    "x.csv", "--json"]) == 2
    captured = capsys.readouterr()
    assert "is not a date" in captured.err and "Traceback" not in captured.err
    assert json.loads(captured.out)["error"]["kind"] == "invalid"


def test_cli_needs_an_output_and_a_folder_that_exists(sqlite_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["report", "shift", "--db", sqlite_url, "--date", "2026-09-18"]) == 2
    assert "--pdf" in capsys.readouterr().err
    assert run_cli(["report", "shift", "--db", sqlite_url, "--date", "2026-09-18", "--csv",
                    str(tmp_path / "missing" / "x.csv")]) == 2
    assert not (tmp_path / "missing").exists()


def test_cli_writes_the_csv(day_db: tuple[str, dict[str, str]], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    url, n = day_db
    out = tmp_path / "day.csv"
    assert run_cli(["report", "shift", "--db", url, "--date", "2026-09-18", "--shift", "day",
                    "--csv", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["incidents"] == 1 and data["handed_over"] == 0 and data["csv"] == str(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["number"] for r in rows] == [n["burglary"]]
    assert rows[0]["classification_name"].startswith("Bezitsaantasting")  # Dutch default


def test_an_incident_taken_over_and_closed_in_the_shift_is_in_it(
        day_db: tuple[str, dict[str, str]], ref: Reference) -> None:
    """The noise complaint of 23:30 on the 18th, closed at 01:00 on the 19th: the 19th's
    report has it (taken over, closed in the shift), though it was not made that day."""
    url, n = day_db
    core = Meldkamer(Store(url), ref, user="tester", clock=shiftdata.Clock(shiftdata.at(20, 12)))
    try:
        report = shift.collect(core, date(2026, 9, 19), None)
    finally:
        core.close()
    numbers = [i.number for i in report.incidents]
    assert n["noise"] in numbers and n["cardiac"] in numbers  # taken over from the 18th
    assert n["burglary"] not in numbers  # closed on the 18th: not this day's work
    assert [i.number for i in report.created] == [n["livestock"]]
    noise = next(i for i in report.incidents if i.number == n["noise"])
    assert noise.closed_at == shiftdata.at(19, 1) and not noise.in_shift


def test_a_redacted_report_holds_no_address_nor_what_people_typed(
        day_db: tuple[str, dict[str, str]], ref: Reference, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    url, n = day_db
    full = _collect(url, ref)
    report = shift.redacted(full)
    assert [i.number for i in report.incidents] == [i.number for i in full.incidents]
    assert [i.priority for i in report.incidents] == [i.priority for i in full.incidents]
    html = shift.render_html(report, ref, lang="en")
    for personal in ("Kaya Grandi", "Dorp Rincon", shiftdata.NOTE, *shiftdata.CALLER[1:2]):
        assert personal not in html
    assert n["burglary"] in html and "A-101" in html
    out = tmp_path / "day.csv"
    assert run_cli(["report", "shift", "--db", url, "--date", "2026-09-18", "--csv",
                    str(out), "--redact"]) == 0
    capsys.readouterr()
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows and all(r["address"] == "" for r in rows)
    assert shiftdata.NOTE not in out.read_text(encoding="utf-8-sig")
