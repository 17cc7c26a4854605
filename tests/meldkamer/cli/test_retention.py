"""``meldkamer retention run``: --dry-run prints and writes nothing, a run pseudonymises
and verify stays intact, an operator is refused (exit 4), a bad date is a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from meldkamer.cli import main
from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from tests.fixtures import demo_core, seed_tester, write_token_file


@pytest.fixture
def mk(db_url: str, ref: Reference, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Meldkamer]:
    """A demo database with an incident closed 400 days ago; the CLI acts as an admin."""
    seed_tester(db_url, "admin", "administrator")
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(write_token_file(tmp_path / "admin", "admin")))
    for core in demo_core(db_url, ref):
        at = datetime.now(UTC) - timedelta(days=400)
        old = Meldkamer(core.store, core.ref, user="tester", clock=lambda at=at: at)
        inc = old.incidents.create(caller_number="+5997001234", caller_name="Jan Piet",
                                   island="BO", note="bewoner heeft astma")
        old.incidents.close(inc.number, "HANDLED")
        yield core


def run(capsys: pytest.CaptureFixture[str], core: Meldkamer, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--db", core.store.url, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def _snapshot(core: Meldkamer) -> tuple[int, str]:
    with core.store.engine.connect() as conn:
        events = int(conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one())
        personal = repr(conn.execute(text("SELECT caller_name, caller_number FROM call")).all())
        personal += repr(conn.execute(text("SELECT text FROM log_entry")).all())
    return events, personal


def test_dry_run_prints_and_writes_nothing(capsys: pytest.CaptureFixture[str],
                                           mk: Meldkamer) -> None:
    before = _snapshot(mk)
    rc, out, _ = run(capsys, mk, "retention", "run", "--dry-run")
    assert rc == 0 and "dry run" in out and "calls: 1" in out and "BON-" in out
    assert _snapshot(mk) == before
    rc, out, _ = run(capsys, mk, "retention", "run", "--dry-run", "--json")
    data = json.loads(out)
    assert data["dry_run"] is True and data["calls"] == 1 and len(data["incidents"]) == 1


def test_run_pseudonymises_then_has_nothing_to_do(capsys: pytest.CaptureFixture[str],
                                                  mk: Meldkamer) -> None:
    rc, out, _ = run(capsys, mk, "retention", "run")
    assert rc == 0 and "pseudonymised:" in out and "calls: 1" in out
    _, personal = _snapshot(mk)
    assert "Jan Piet" not in personal and "astma" not in personal
    rc, out, _ = run(capsys, mk, "audit", "verify")
    assert rc == 0, out
    before = _snapshot(mk)
    rc, out, _ = run(capsys, mk, "retention", "run")
    assert rc == 0 and "nothing to do" in out
    assert _snapshot(mk) == before


def test_before_a_date(capsys: pytest.CaptureFixture[str], mk: Meldkamer) -> None:
    long_ago = (datetime.now(UTC) - timedelta(days=500)).date().isoformat()
    rc, out, _ = run(capsys, mk, "retention", "run", "--dry-run", "--before", long_ago)
    assert rc == 0 and "nothing to do" in out
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(["--db", mk.store.url, "retention", "run", "--before", "31-01-2026"])
    assert stop.value.code == 2 and "is not a date like" in capsys.readouterr().err
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    rc, _, err = run(capsys, mk, "retention", "run", "--before", tomorrow)
    assert rc == 2 and "future" in err


def test_an_operator_cannot_run_it(capsys: pytest.CaptureFixture[str], mk: Meldkamer,
                                   db_url: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seed_tester(db_url, "op", "operator")
    monkeypatch.setenv("MELDKAMER_TOKEN_FILE", str(write_token_file(tmp_path / "op", "op")))
    before = _snapshot(mk)
    rc, _, err = run(capsys, mk, "retention", "run")
    assert rc == 4 and "operator" in err and "retention.run" in err, err
    assert _snapshot(mk) == before
