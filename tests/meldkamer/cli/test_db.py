"""``meldkamer db backup`` and ``db restore`` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from meldkamer.domain.reference import Reference
from tests.fixtures import open_core
from tests.meldkamer.test_cli import Cli, refused


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Cli:
    return Cli(capsys, sqlite_url)


def _create(url: str, ref: Reference, caller: str) -> None:
    # A core closed afterwards: an in-process CLI command keeps its database open.
    core = open_core(url, ref)
    core.incidents.create(caller_number=caller, island="BO")
    core.close()


def test_backup_then_restore_with_yes(cli: Cli, sqlite_url: str, ref: Reference,
                                      tmp_path: Path) -> None:
    _create(sqlite_url, ref, "717 1234")
    taken = cli.json("db", "backup", str(tmp_path))
    assert Path(taken["path"]).parent == tmp_path and taken["bytes"] > 0
    _create(sqlite_url, ref, "717 5678")
    done = cli.json("db", "restore", taken["path"], "--yes")
    assert done["audit"]["ok"] and Path(done["replaced"]).exists()
    text = cli.ok("db", "restore", taken["path"], "--yes").out
    assert "restored from" in text and "audit trail intact" in text
    assert len(cli.json("incident", "list")) == 1


def test_restore_without_yes_asks_and_refuses_when_not_interactive(cli: Cli,
                                                                   tmp_path: Path) -> None:
    taken = cli.json("db", "backup", str(tmp_path))["path"]
    refused(cli("db", "restore", taken), 4, "--yes")


def test_restore_refuses_a_file_that_is_not_a_database(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "x.sqlite3"
    bad.write_text("not sqlite")
    refused(cli("db", "restore", str(bad), "--yes"), 2, "not a meldkamer database")


def test_backup_on_postgresql_points_to_its_own_tools(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    cli = Cli(capsys, "postgresql://postgres@127.0.0.1:5432/nowhere")
    refused(cli("db", "backup"), 4, "pg_dump")
