"""The outage journal's file: commands kept on this workstation while the database is away.

A small SQLite file of its own (``config.data_dir()/journal/journal.sqlite3``, folder 0700,
file 0600) in WAL mode with ``synchronous=FULL``: a command the journal accepted survives a
power cut or a killed process. It is not the incident store: a fixed schema with a version
row (``meta``), no Alembic. The standard library's ``sqlite3`` is enough for two tables.

An entry holds one command as JSON (``Command.to_json``), its state (``pending``,
``replayed``, ``conflict``, ``failed``, ``dismissed``), the provisional incident number it
concerns (created or targeted), and once replayed its result or what went wrong.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meldkamer import config
from meldkamer.errors import StoreError
from meldkamer.store.files import private_dir, private_file

SCHEMA_VERSION = "1"
STATES = ("pending", "replayed", "conflict", "failed", "dismissed")
OPEN_STATES = ("pending", "conflict")  # what still needs the database or the operator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entry (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    command TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'replayed', 'conflict', 'failed',
                                          'dismissed')),
    provisional TEXT,
    to_confirm INTEGER NOT NULL DEFAULT 0,
    workstation TEXT NOT NULL,
    journaled_at TEXT NOT NULL,
    replayed_at TEXT,
    result TEXT,
    problem TEXT,
    resolution TEXT
);
CREATE INDEX IF NOT EXISTS entry_provisional ON entry (provisional, state);
CREATE TABLE IF NOT EXISTS provisional (
    number TEXT PRIMARY KEY,
    island TEXT NOT NULL,
    real_number TEXT,
    created_at TEXT NOT NULL
);
"""


def default_path() -> Path:
    """Where this workstation's journal lives."""
    return config.data_dir() / "journal" / "journal.sqlite3"


@dataclass(frozen=True)
class Entry:
    """One journaled command and what became of it."""

    seq: int
    command_id: str
    name: str
    command: str  # JSON (``Command.to_json``)
    state: str
    provisional: str | None
    to_confirm: bool
    workstation: str
    journaled_at: datetime
    replayed_at: datetime | None
    result: Any
    problem: dict[str, Any] | None
    resolution: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "command_id": self.command_id, "name": self.name,
                "command": json.loads(self.command), "state": self.state,
                "provisional": self.provisional, "to_confirm": self.to_confirm,
                "workstation": self.workstation,
                "journaled_at": self.journaled_at.isoformat(),
                "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
                "result": self.result, "problem": self.problem,
                "resolution": self.resolution}


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        seq=row["seq"], command_id=row["command_id"], name=row["name"],
        command=row["command"], state=row["state"], provisional=row["provisional"],
        to_confirm=bool(row["to_confirm"]), workstation=row["workstation"],
        journaled_at=_time(row["journaled_at"]) or datetime.now(UTC),
        replayed_at=_time(row["replayed_at"]),
        result=json.loads(row["result"]) if row["result"] else None,
        problem=json.loads(row["problem"]) if row["problem"] else None,
        resolution=row["resolution"])


class JournalFile:
    """The journal's SQLite file: append, read and update entries (thread-safe)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        private_dir(self.path.parent)
        private_file(self.path)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False,
                                         isolation_level=None, timeout=15.0)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(SCHEMA)
            found = self._conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None:
                self._conn.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)",
                                   (SCHEMA_VERSION,))
            elif found[0] != SCHEMA_VERSION:
                raise StoreError("the outage journal {path} has schema version {found}; this "
                                 "program reads version {version}", path=self.path,
                                 found=found[0], version=SCHEMA_VERSION)
        except sqlite3.DatabaseError as exc:
            raise StoreError("cannot open the outage journal {path}: {detail}",
                             path=self.path, detail=str(exc)) from exc
        for name in ("-wal", "-shm"):  # WAL's side files hold the same commands
            side = self.path.with_name(self.path.name + name)
            if side.exists():
                side.chmod(0o600)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise StoreError("cannot write the outage journal {path}: {detail}",
                                 path=self.path, detail=str(exc)) from exc

    def append(self, *, command_id: str, name: str, command: str, provisional: str | None,
               to_confirm: bool, workstation: str, island: str | None = None,
               creates: bool = False) -> Entry:
        """Journal a command (durably, before this returns); a known id is kept as it was."""
        now = datetime.now(UTC).isoformat()
        with self._write() as conn:
            if creates and provisional is not None:
                conn.execute("INSERT INTO provisional (number, island, created_at) "
                             "VALUES (?, ?, ?)", (provisional, island or "", now))
            conn.execute(
                "INSERT INTO entry (command_id, name, command, state, provisional, "
                "to_confirm, workstation, journaled_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?) "
                "ON CONFLICT (command_id) DO NOTHING",
                (command_id, name, command, provisional, int(to_confirm), workstation, now))
        found = self.get(command_id)
        assert found is not None
        return found

    def next_provisional(self, prefix: str, year: int) -> str:
        """The next provisional number for an island and year: ``BON-2026-P00001``."""
        with self._lock:
            like = f"{prefix}-{year}-P%"
            count = self._conn.execute("SELECT count(*) FROM provisional WHERE number LIKE ?",
                                       (like,)).fetchone()[0]
        return f"{prefix}-{year}-P{count + 1:05d}"

    def get(self, key: str | int) -> Entry | None:
        """An entry by its command id or its sequence number."""
        column = "seq" if isinstance(key, int) else "command_id"
        with self._lock:
            row = self._conn.execute(f"SELECT * FROM entry WHERE {column} = ?",
                                     (key,)).fetchone()
        return _entry(row) if row is not None else None

    def entries(self, states: tuple[str, ...] = STATES) -> list[Entry]:
        """Entries in the order they were journaled."""
        marks = ", ".join("?" for _ in states)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM entry WHERE state IN ({marks}) ORDER BY seq",
                states).fetchall()
        return [_entry(r) for r in rows]

    def entries_of(self, number: str, states: tuple[str, ...] = OPEN_STATES) -> list[Entry]:
        """The entries about one (provisional) incident number, in order."""
        marks = ", ".join("?" for _ in states)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM entry WHERE provisional = ? AND state IN ({marks}) "
                "ORDER BY seq", (number, *states)).fetchall()
        return [_entry(r) for r in rows]

    def count(self, state: str = "pending") -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM entry WHERE state = ?",
                                          (state,)).fetchone()[0])

    def settle(self, command_id: str, state: str, *, result: Any = None,
               problem: dict[str, Any] | None = None, resolution: str | None = None) -> None:
        """Record what became of an entry (replayed, a conflict, failed, dismissed)."""
        if state not in STATES:
            raise ValueError(state)
        with self._write() as conn:
            conn.execute(
                "UPDATE entry SET state = ?, replayed_at = ?, result = coalesce(?, result), "
                "problem = ?, resolution = coalesce(?, resolution) WHERE command_id = ?",
                (state, datetime.now(UTC).isoformat(),
                 json.dumps(result) if result is not None else None,
                 json.dumps(problem) if problem is not None else None, resolution,
                 command_id))

    def map_number(self, provisional: str, real: str) -> None:
        """The provisional number was replayed as ``real``."""
        with self._write() as conn:
            conn.execute("UPDATE provisional SET real_number = ? WHERE number = ?",
                         (real, provisional))

    def real_number(self, provisional: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT real_number FROM provisional WHERE number = ?",
                                     (provisional,)).fetchone()
        return row[0] if row is not None else None

    def is_provisional(self, number: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM provisional WHERE number = ?",
                                      (number,)).fetchone() is not None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
