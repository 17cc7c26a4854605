"""Online backups with rotation, and restores that refuse what they must."""

from __future__ import annotations

import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput, Refused
from meldkamer.store import backup as bk
from meldkamer.store.db import Store
from meldkamer.store.models import Incident
from tests.fixtures import open_core


def _incidents(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM incident").fetchone()[0])
    finally:
        conn.close()


def test_backup_is_consistent_while_writers_run(sqlite_url: str, ref: Reference,
                                                tmp_path: Path) -> None:
    core = open_core(sqlite_url, ref)
    stop = threading.Event()
    made: list[str] = []

    def write() -> None:
        while not stop.is_set():
            made.append(core.incidents.create(caller_number="717 1234", island="BO").number)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(made) < 5:
            threading.Event().wait(0.01)
        result = bk.backup(Path(sqlite_url), tmp_path)
    finally:
        stop.set()
        writer.join()
        core.close()
    assert result.path.parent == tmp_path and result.bytes > 0
    conn = sqlite3.connect(result.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert 5 <= _incidents(result.path) <= len(made)
    store = Store(str(result.path))
    try:
        from meldkamer.services import audit

        with store.read() as s:
            assert audit.verify(s).ok
    finally:
        store.dispose()


def test_default_backups_are_private(sqlite_url: str) -> None:
    result = bk.backup(Path(sqlite_url))
    assert result.path.parent == bk.backup_dir()
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(bk.backup_dir().stat().st_mode) == 0o700


def test_backup_never_overwrites(sqlite_url: str, tmp_path: Path) -> None:
    target = tmp_path / "mine.sqlite3"
    target.write_bytes(b"keep")
    with pytest.raises(Refused, match="never overwrites"):
        bk.backup(Path(sqlite_url), target)
    assert target.read_bytes() == b"keep"


def test_rotation_keeps_hourly_and_daily(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(24 * 20 * 2):  # every half hour for 20 days
        at = start + timedelta(minutes=30 * i)
        (tmp_path / f"meldkamer-{at.strftime(bk.STAMP)}.sqlite3").write_bytes(b"")
    (tmp_path / "other-20260101T000000Z.sqlite3").write_bytes(b"")
    deleted = bk.rotate(tmp_path, "meldkamer", hourly=24, daily=14)
    kept = [p for _, p in bk.backups(tmp_path, "meldkamer")]
    hours = {p.name[10:21] for p in kept}
    days = {p.name[10:18] for p in kept}
    assert len(hours) == len(kept)  # one per hour at most
    assert len(days) == 14
    newest = start + timedelta(minutes=30 * (24 * 40 - 1))
    assert kept[0].name == f"meldkamer-{newest.strftime(bk.STAMP)}.sqlite3"
    assert len(kept) == 24 + 13  # the last 24 hours and 13 earlier days
    assert deleted and (tmp_path / "other-20260101T000000Z.sqlite3").exists()


def test_restore_replaces_keeps_aside_and_verifies(sqlite_url: str, ref: Reference) -> None:
    core = open_core(sqlite_url, ref)
    core.incidents.create(caller_number="717 1234", island="BO")
    core.close()
    taken = bk.backup(Path(sqlite_url)).path
    core = open_core(sqlite_url, ref)
    core.incidents.create(caller_number="717 5678", island="BO")
    core.close()
    result = bk.restore(taken, Path(sqlite_url))
    assert result.audit_ok and result.audit_events > 0
    assert _incidents(Path(sqlite_url)) == 1
    assert result.replaced is not None and _incidents(result.replaced) == 2
    assert stat.S_IMODE(result.replaced.stat().st_mode) == 0o600


def test_restore_reports_a_broken_chain(sqlite_url: str, ref: Reference,
                                        tmp_path: Path) -> None:
    core = open_core(sqlite_url, ref)
    core.incidents.create(caller_number="717 1234", island="BO")
    core.close()
    taken = bk.backup(Path(sqlite_url), tmp_path).path
    conn = sqlite3.connect(taken)
    conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                "AND tbl_name='audit_event'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE audit_event SET data = '{}' WHERE seq = 1")
    conn.commit()
    conn.close()
    result = bk.restore(taken, Path(sqlite_url))
    assert not result.audit_ok and "altered" in result.audit_problem


def test_restore_refuses_while_a_workstation_holds_it(sqlite_url: str, ref: Reference,
                                                      tmp_path: Path) -> None:
    taken = bk.backup(Path(sqlite_url), tmp_path).path
    core = open_core(sqlite_url, ref)
    try:
        with core.store.read() as s:  # an idle pooled connection afterwards
            s.execute(select(func.count()).select_from(Incident))
        with pytest.raises(Refused, match="in use"):
            bk.restore(taken, Path(sqlite_url))
    finally:
        core.close()
    assert not list(Path(sqlite_url).parent.glob("*-replaced-*"))


def test_restore_refuses_foreign_and_newer_files(sqlite_url: str, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("hello")
    with pytest.raises(InvalidInput, match="not a meldkamer database"):
        bk.restore(text_file, Path(sqlite_url))
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(InvalidInput, match="not a meldkamer database"):
        bk.restore(other, Path(sqlite_url))
    newer = bk.backup(Path(sqlite_url), tmp_path).path
    store = Store(str(newer))
    with store.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(Refused, match="newer"):
        bk.restore(newer, Path(sqlite_url))
    with pytest.raises(InvalidInput, match="regular file"):
        bk.restore(tmp_path, Path(sqlite_url))
