"""``meldkamer report kpi``: figures on demo data, every format, and clear errors."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from meldkamer.domain.views import LOCAL
from tests.meldkamer.test_cli import Cli, refused


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Cli:
    cli = Cli(capsys, sqlite_url)
    cli.ok("demo", "load")
    return cli


def period() -> tuple[str, str]:
    today = datetime.now(LOCAL).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def test_json_on_demo_data_has_real_figures(demo: Cli) -> None:
    start, end = period()
    data = demo.json("report", "kpi", "--from", start, "--to", end)
    assert data["incidents"] > 0
    listed = demo.json("incident", "list", "--limit", "1000")
    assert data["incidents"] == len([i for i in listed if i.get("duplicate_of") is None
                                     and i.get("disposition") not in ("CANCELLED",
                                                                      "DUPLICATE")])
    timed = [f for f in data["figures"] if f["count"]]
    assert timed and all(f["median"] is not None and f["median"] >= 0 for f in timed)
    assert all(f["median"] <= f["p90"] <= f["p95"] for f in timed)
    codes = {t["code"] for t in data["targets"]}
    assert "nfpa1225_processing" in codes
    assert demo.json("report", "kpi", "--from", start, "--to", end, "--format", "json") == data


def test_table_csv_and_filters(demo: Cli) -> None:
    start, end = period()
    table = demo.ok("report", "kpi", "--from", start, "--to", end).out
    assert "NFPA 1225" in table and "P90" in table
    out = demo.ok("report", "kpi", "--from", start, "--to", end, "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and set(rows[0]) >= {"island", "discipline", "interval", "median_s"}
    only = demo.json("report", "kpi", "--from", start, "--to", end, "--island", "se",
                     "--discipline", "police")
    assert {f["island"] for f in only["figures"]} <= {"SE"}
    assert {f["discipline"] for f in only["figures"]} <= {"police"}
    empty = demo.json("report", "kpi", "--from", "2001-01-01", "--to", "2001-12-31")
    assert empty["figures"] == [] and empty["incidents"] == 0
    assert "No incidents" in demo.ok("report", "kpi", "--from", "2001-01-01",
                                     "--to", "2001-01-02").out


def test_bad_input_is_a_clear_error(demo: Cli) -> None:
    refused(demo("report", "kpi", "--from", "2026-02-01", "--to", "2026-01-01"), 2,
            "before it starts")
    refused(demo("report", "kpi", "--from", "gisteren", "--to", "2026-01-01"), 2,
            "not a date")
    refused(demo("report", "kpi", "--from", "2026-02-30", "--to", "2026-03-01"), 2,
            "not a date")
    refused(demo("report", "kpi", "--from", "2026-01-01", "--to", "2026-01-02",
                 "--island", "Curaçao"), 2, "unknown island")
    refused(demo("report", "kpi", "--from", "2026-01-01", "--to", "2026-01-02",
                 "--discipline", "navy"), 2, "unknown discipline")
    assert demo("report", "kpi", "--from", "2026-01-01").rc == 2  # argparse: --to missing
    assert date.fromisoformat(period()[0])
