"""The SQLite database, its -wal/-shm files and its folder are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from meldkamer.store.db import Store
from meldkamer.store.files import private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_and_folders_are_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "meldkamer.sqlite3"
    store = Store(str(path))
    try:
        with store.write() as s:  # the WAL and shared-memory files exist while it is open
            s.execute(text("UPDATE meta SET value = value WHERE key = 'kind'"))
        assert _mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            assert _mode(Path(f"{path}{suffix}")) == 0o600
        assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700
    finally:
        store.dispose()


def test_private_dir_leaves_existing_folders_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    private_dir(tmp_path / "journal")
    assert _mode(tmp_path) == 0o755
    assert _mode(tmp_path / "journal") == 0o700
