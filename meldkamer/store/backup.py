"""Online backups of the SQLite database, their rotation, and restoring one.

A backup is taken with SQLite's backup API (``sqlite3.Connection.backup``) in one step:
it reads one consistent snapshot while workstations keep writing (WAL readers never
block writers). Backups go to ``data_dir()/backups/`` as
``<database>-<UTC time>.sqlite3``, one self-contained file each (journal mode DELETE),
readable by their owner only. Rotation keeps the newest backup of each of the last
``hourly`` hours and of each of the last ``daily`` days.

A restore refuses a file that is not a meldkamer database or has a newer schema, and
runs only when no workstation holds the database: it takes SQLite's exclusive lock
(``locking_mode=EXCLUSIVE`` with ``BEGIN EXCLUSIVE`` fails while any other connection is
open, even an idle one in WAL mode). The replaced file is kept aside, and the audit chain
of the restored file is verified and reported.

PostgreSQL is backed up with its own tools (see docs/operations.md).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meldkamer import config
from meldkamer.errors import InvalidInput, NotFound, Refused, StoreError
from meldkamer.store.db import BUSY_TIMEOUT_S, SQLITE_MAGIC
from meldkamer.store.files import private_dir, private_file
from meldkamer.store.migrations import KNOWN_REVISIONS

log = logging.getLogger(__name__)
STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}Z)\.sqlite3$")


def backup_dir() -> Path:
    """Where scheduled and default backups go."""
    return config.data_dir() / "backups"


@dataclass(frozen=True)
class BackupResult:
    """One backup taken."""

    path: Path
    bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "bytes": self.bytes, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class RestoreResult:
    """A restored database, where the replaced one went, and its audit chain."""

    database: Path
    source: Path
    replaced: Path | None
    revision: str
    audit_ok: bool
    audit_events: int
    audit_problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"database": str(self.database), "source": str(self.source),
                "replaced": str(self.replaced) if self.replaced else None,
                "revision": self.revision,
                "audit": {"ok": self.audit_ok, "events": self.audit_events,
                          "problem": self.audit_problem}}


def _copy(src: sqlite3.Connection, dest: Path) -> None:
    """Copy ``src`` into a new 0600 file ``dest`` in one consistent step."""
    private_file(dest)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)  # pages=-1: one snapshot, however busy the writers are
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        out.close()


def backup(database: Path, dest: Path | None = None, *, now: datetime | None = None
           ) -> BackupResult:
    """Take an online backup of the SQLite file ``database``; to ``dest`` or the folder.

    ``dest`` may be a folder (the file is named as in the backup folder) or a new file.
    """
    database = database.expanduser()
    if not database.is_file():
        raise NotFound("there is no database at {path}", path=database)
    stamp = (now or datetime.now(UTC)).strftime(STAMP)
    name = f"{database.stem}-{stamp}.sqlite3"
    if dest is None:
        target = private_dir(backup_dir()) / name
    elif dest.is_dir():
        target = dest / name
    else:
        target = dest.expanduser()
        if target.exists() or target.is_symlink():
            raise Refused("{path} exists already; a backup never overwrites a file",
                          path=target)
        if not target.parent.is_dir():
            raise NotFound("the folder {path} does not exist", path=target.parent)
    part = target.with_name(target.name + ".part")
    started = time.perf_counter()
    try:
        src = sqlite3.connect(f"{database.resolve().as_uri()}?mode=rw", uri=True,
                              timeout=BUSY_TIMEOUT_S)
        try:
            _copy(src, part)
        finally:
            src.close()
        os.replace(part, target)
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise StoreError("cannot back up {path}: {detail}", path=database, detail=exc) from exc
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise StoreError("cannot write the backup {path}: {strerror}", path=target,
                         strerror=exc.strerror) from exc
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started)


def backups(folder: Path, stem: str) -> list[tuple[datetime, Path]]:
    """The backups of database ``stem`` in ``folder``, newest first."""
    found: list[tuple[datetime, Path]] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if m and m["stem"] == stem and path.is_file():
            found.append((datetime.strptime(m["stamp"], STAMP).replace(tzinfo=UTC), path))
    return sorted(found, reverse=True)


def rotate(folder: Path, stem: str, *, hourly: int = 24, daily: int = 14) -> list[Path]:
    """Delete the backups the policy no longer keeps; returns what was deleted."""
    found = backups(folder, stem)
    keep: set[Path] = set()
    for fmt, count in (("%Y%m%d%H", hourly), ("%Y%m%d", daily)):
        seen: set[str] = set()
        for at, path in found:
            bucket = at.strftime(fmt)
            if bucket not in seen and len(seen) < count:
                seen.add(bucket)
                keep.add(path)
    deleted = [path for _, path in found if path not in keep]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


class BackupJob:
    """The runtime's scheduled backup of its SQLite database, with rotation."""

    def __init__(self, database: Path, *, hourly: int, daily: int,
                 folder: Path | None = None) -> None:
        self.database = database
        self.hourly = hourly
        self.daily = daily
        self.folder = folder

    def run(self) -> BackupResult:
        folder = private_dir(self.folder or backup_dir())
        result = backup(self.database, folder)
        deleted = rotate(folder, self.database.stem, hourly=self.hourly, daily=self.daily)
        log.info("backup %s (%d bytes, %.1f s); %d old backups removed", result.path,
                 result.bytes, result.seconds, len(deleted))
        return result


def check_backup(path: Path) -> str:
    """The schema revision of a meldkamer database file; refuse anything else."""
    path = path.expanduser()
    if not path.exists():
        raise NotFound("there is no file at {path}", path=path)
    if not path.is_file():
        raise InvalidInput("{path} is not a regular file", path=path)
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise InvalidInput("{path} is not a meldkamer database (not an SQLite file)",
                               path=path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in names or "audit_event" not in names:
                raise InvalidInput("{path} is not a meldkamer database", path=path)
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            check = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput("{path} is not a meldkamer database ({detail})", path=path,
                           detail=exc) from exc
    revision = row[0] if row else ""
    if revision not in KNOWN_REVISIONS:
        raise Refused("{path} has schema revision {revision!r}, newer than this meldkamer "
                      "knows (up to {head}); restore it with a newer version", path=path,
                      revision=revision, head=KNOWN_REVISIONS[-1])
    if not check or check[0] != "ok":
        raise InvalidInput("{path} is damaged ({detail}); choose another backup", path=path,
                           detail=check[0] if check else "")
    return str(revision)


def _hold_exclusively(database: Path) -> sqlite3.Connection:
    """Take the database's exclusive lock, or refuse: a workstation still holds it."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        # In exclusive locking mode the lock outlives the transaction, and the backup
        # API reads only from a connection that is not in a write transaction.
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        conn.close()
        raise Refused("{path} is in use (a workstation or another program has it open); "
                      "close every workstation on it, then restore", path=database) from exc
    return conn


def restore(source: Path, database: Path, *, now: datetime | None = None) -> RestoreResult:
    """Replace ``database`` with the backup ``source``; the old file is kept aside."""
    source = source.expanduser().resolve()
    database = database.expanduser().resolve()
    if source == database:
        raise InvalidInput("{path} is the database itself; choose a backup", path=source)
    revision = check_backup(source)
    private_dir(database.parent)
    stamp = (now or datetime.now(UTC)).strftime(STAMP)
    incoming = database.with_name(f".{database.name}.restoring")
    incoming.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        _copy(src, incoming)
    finally:
        src.close()
    replaced: Path | None = None
    try:
        if database.exists():
            held = _hold_exclusively(database)
            try:
                replaced = database.with_name(f"{database.stem}-replaced-{stamp}.sqlite3")
                _copy(held, replaced)
            finally:
                held.close()
            for suffix in ("-wal", "-shm"):  # the old file's; they must not touch the new one
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.replace(incoming, database)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    from meldkamer.services import audit
    from meldkamer.store.db import Store

    store = Store(str(database))  # brings an older schema up to date
    try:
        with store.read() as session:
            report = audit.verify(session)
        revision = store.revision() or revision
    finally:
        store.dispose()
    return RestoreResult(database, source, replaced, revision, report.ok, report.events,
                         report.problem)
