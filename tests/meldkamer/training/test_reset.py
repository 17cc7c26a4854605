"""Resetting the training database: empty, the demo roster back, a fresh audit trail;
a live database is refused (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.errors import Refused
from meldkamer.services.changes import ChangeWatcher
from meldkamer.store.models import AppUser, AuditEvent, Call, Incident, LogEntry, Unit
from meldkamer.training import load as load_scenario
from meldkamer.training import play, shipped
from meldkamer.training.reset import reset_training
from tests.fixtures import TESTER, open_core, seed_tester, write_token_file
from tests.meldkamer.training.test_training import training_core

ROOT = Path(__file__).resolve().parents[3]


def counts(core: Meldkamer) -> dict[str, int]:
    with core.store.read() as s:
        return {name: int(s.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in (("incidents", Incident), ("calls", Call),
                                    ("log", LogEntry), ("units", Unit),
                                    ("audit", AuditEvent))}


def test_reset_empties_a_played_training_database(db_url: str, ref: Reference) -> None:
    core = training_core(db_url, ref)
    try:
        scenario = next(load_scenario(p, ref) for p in shipped()
                        if p.stem == "saba-medevac-statia-fire")
        play(core, scenario)
        core.units.set_status("P-101", "out_of_service")
        before = counts(core)
        assert before["incidents"] == 3 and before["log"] > 0 and before["audit"] > 3
        other = open_core(db_url, ref, "trainee")  # another workstation on the database
        watcher = ChangeWatcher(other)  # its feed, at the end of the old trail
        result = reset_training(core)
        after = counts(core)
        assert after["incidents"] == after["calls"] == after["log"] == 0
        assert after["units"] == before["units"] == result["units_loaded"]
        assert result["incident"] == 3 and result["audit_event"] == before["audit"]
        assert core.units.get("P-101").status != "out_of_service"  # the roster as loaded
        assert after["audit"] == 1  # the roster's import: the first event of a new trail
        report = core.verify_audit()
        assert report.ok and report.events == 1
        # The feed of a workstation that watched the old trail reads the new one.
        assert watcher.poll() >= 1
        other.close()
        # The database is usable as before: a scenario plays again, numbers start at 1.
        _engine, score = play(core, scenario)
        assert score.score == 100
        numbers = sorted(i.number for i in core.incidents.list_incidents(active=False))
        assert numbers[0].endswith("-000001")
    finally:
        core.close()


def test_reset_refuses_a_live_database(db_url: str, ref: Reference) -> None:
    core = open_core(db_url, ref)
    try:
        from meldkamer.demo import load_demo

        load_demo(core)
        before = counts(core)
        with pytest.raises(Refused):
            reset_training(core)
        assert counts(core) == before
    finally:
        core.close()


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "meldkamer", *args], capture_output=True,
                          text=True, input=stdin, cwd=ROOT, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_cli_reset_asks_and_refuses(tmp_path: Path, ref: Reference) -> None:
    training = tmp_path / "training.sqlite3"
    core = training_core(str(training), ref)
    core.incidents.create(caller_number="+599 555 0101", lat=12.15, lon=-68.27,
                          classification="BZ.INB.WON")
    core.close()
    seed_tester(str(training))  # the test supervisor's token logs the CLI in
    # Not on a terminal and no --yes: refused, nothing changed.
    done = run_cli("scenario", "reset", "--db", str(training))
    assert done.returncode == 2 and "--yes" in done.stderr
    core = open_core(str(training), ref)
    assert counts(core)["incidents"] == 1
    core.close()
    done = run_cli("scenario", "reset", "--db", str(training), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert '"reset": true' in done.stdout
    core = open_core(str(training), ref)
    assert counts(core)["incidents"] == 0 and counts(core)["units"] > 0
    with core.store.read() as s:  # the reset is the logged-in user's, who can log in still
        assert s.scalar(select(AppUser.name)) == TESTER
    core.close()
    live = tmp_path / "live.sqlite3"
    core = open_core(str(live), ref)
    core.incidents.create(caller_number="+599 555 0101", lat=12.15, lon=-68.27,
                          classification="BZ.INB.WON")
    core.close()
    done = run_cli("scenario", "reset", "--db", str(live), "--yes")
    assert done.returncode == 4 and "live database" in done.stderr
    core = open_core(str(live), ref)
    assert counts(core)["incidents"] == 1
    core.close()


def test_cli_reset_needs_a_login_and_a_role_that_may_train(tmp_path: Path,
                                                            ref: Reference) -> None:
    training = tmp_path / "training.sqlite3"
    core = training_core(str(training), ref)
    core.incidents.create(caller_number="+599 555 0101", lat=12.15, lon=-68.27,
                          classification="BZ.INB.WON")
    core.close()
    done = run_cli("scenario", "reset", "--db", str(training), "--yes")  # nobody there yet
    assert done.returncode == 11 and "user init" in done.stderr
    seed_tester(str(training), "jansen", "operator")
    token = write_token_file(tmp_path / "jansen.token", "jansen")
    done = run_cli("--token-file", str(token), "scenario", "reset", "--db", str(training),
                   "--yes")
    assert done.returncode == 4, done.stderr
    assert "the role operator may not run a training" in done.stderr
    core = open_core(str(training), ref)
    assert counts(core)["incidents"] == 1  # nothing was changed
    core.close()
    seed_tester(str(training), "instructeur", "trainer")
    token = write_token_file(tmp_path / "trainer.token", "instructeur")
    done = run_cli("--token-file", str(token), "scenario", "reset", "--db", str(training),
                   "--yes")
    assert done.returncode == 0, done.stderr
    core = open_core(str(training), ref)
    assert counts(core)["incidents"] == 0
    core.close()
