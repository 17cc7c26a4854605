"""Opening the incident store: engines, pragmas, transactions and schema upgrades.

SQLite (the embedded default) runs in WAL mode with foreign keys on and
``synchronous=FULL``, so a commit that returned survives a power cut. Write
transactions start with ``BEGIN IMMEDIATE``: two workstations on one file queue for
the write lock instead of failing halfway. PostgreSQL runs the same code and migrations.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
    OperationalError,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from meldkamer.errors import Conflict, StoreError
from meldkamer.store.migrations import HEAD_REVISION, KNOWN_REVISIONS

log = logging.getLogger(__name__)
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 15.0


def normalise_url(url: str) -> str:
    """Accept plain paths and ``postgresql://`` URLs; pick our drivers."""
    if "://" not in url:
        return "sqlite:///" + str(Path(url).expanduser().resolve())
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _check_sqlite_file(path: Path) -> None:
    """Refuse files that are not SQLite databases or cannot be written, before opening."""
    if path.is_dir():
        raise StoreError("{path} is a directory, not a database file", path=path)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("cannot create the folder for {path}: {strerror}",
                path=path, strerror=exc.strerror) from exc
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError("cannot read {path}: {strerror}",
            path=path, strerror=exc.strerror) from exc
    if head and head != SQLITE_MAGIC:
        raise StoreError("{path} is not a meldkamer database (it is not an SQLite file)", path=path)
    mode = path.stat().st_mode
    # As root os.access says yes to everything; the write bits say what the owner meant.
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise StoreError(
            "{path} is read-only; meldkamer needs to write to it (make it writable with "
            "'chmod u+w {path}' or choose another database with --db)", path=path
        )
    if head:
        _check_foreign_schema(path)


def _check_foreign_schema(path: Path) -> None:
    """Refuse another program's SQLite database before our pragmas (WAL) change it."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError("{path} is not a meldkamer database ({exc})", path=path, exc=exc) from exc
    if names and "alembic_version" not in names:
        raise StoreError("{path} holds tables but is not a meldkamer database", path=path)


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    # Checkpoints run on the runtime's scheduler (Store.checkpoint), not in an operator's commit.
    cur.execute("PRAGMA wal_autocheckpoint=20000")  # a backstop only, about 80 MB
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    mode = "DEFERRED" if conn.get_execution_options().get("meldkamer_readonly") else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """One incident database: an engine for writes, one for reads, and schema upgrades."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise StoreError("not a database URL: {url!r}", url=url) from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise StoreError("unsupported database {dialect!r}; use SQLite or PostgreSQL",
                dialect=self.dialect)
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise StoreError("an in-memory SQLite database cannot be shared; give a file")
            self.path: Path | None = Path(parsed.database).expanduser().resolve()
            _check_sqlite_file(self.path)
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        else:
            self.path = None
            kwargs["connect_args"] = {"connect_timeout": 5}
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StoreError("cannot use {safe_url}: {exc}",
                safe_url=self.safe_url, exc=exc) from exc
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.read_engine = self.engine.execution_options(meldkamer_readonly=True)
        self._shared = threading.local()  # a write session this thread's reads go through
        if upgrade:
            self.upgrade()

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def revision(self) -> str | None:
        """The schema revision the database is at, or None for an empty database."""
        with self._guard(), self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                if inspect(conn).get_table_names():
                    raise StoreError(
                        "{safe_url} holds tables but is not a meldkamer database",
                        safe_url=self.safe_url)
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return row[0] if row else None

    def upgrade(self) -> bool:
        """Bring the schema to the newest revision; True when something was migrated."""
        current = self.revision()
        if current == HEAD_REVISION:
            return False
        if current is not None and current not in KNOWN_REVISIONS:
            raise StoreError(
                "{database} has schema revision {current!r}, which this version of meldkamer "
                "does not know (it knows up to {head}); it was probably written by a newer "
                "meldkamer: upgrade this workstation", database=self.path or self.safe_url,
                current=current, head=HEAD_REVISION)
        from meldkamer.store.migrations import run_upgrade  # alembic only when needed

        with self._guard():
            run_upgrade(self.engine)
        return True

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed (durably) when the block ends."""
        with (
            self._guard(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; it never takes the write lock."""
        shared: Session | None = getattr(self._shared, "session", None)
        if shared is not None:
            with self._guard():
                yield shared
            return
        with self._guard(), Session(self.read_engine) as session:
            yield session

    @contextmanager
    def savepoint(self, session: Session) -> Iterator[None]:
        """A savepoint in an open write session: an error rolls back only what it holds."""
        with self._guard(), session.begin_nested():
            yield

    @contextmanager
    def sharing(self, session: Session) -> Iterator[None]:
        """Let reads on this thread use ``session``, so they see its uncommitted writes."""
        self._shared.session = session
        try:
            yield
        finally:
            self._shared.session = None

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn driver errors into StoreError or Conflict with a message a person can act on."""
        try:
            yield
        except StaleDataError as exc:
            raise Conflict(
                "someone else changed this record at the same time; nothing was overwritten, "
                "reload and try again"
            ) from exc
        except IntegrityError as exc:
            raise Conflict("the change clashes with stored data: {orig}", orig=exc.orig) from exc
        except OperationalError as exc:
            raise StoreError(self._describe(exc)) from exc
        except (DatabaseError, DBAPIError) as exc:
            raise StoreError(self._describe(exc)) from exc

    def _describe(self, exc: DBAPIError) -> str:
        msg = str(exc.orig) if exc.orig is not None else str(exc)
        where = self.path or self.safe_url
        if "file is not a database" in msg:
            return f"{where} is not a meldkamer database (not an SQLite file)"
        if "readonly" in msg or "read-only" in msg:
            return f"{where} is read-only; nothing was written"
        if "database is locked" in msg:
            return f"{where} is busy (locked by another program for {BUSY_TIMEOUT_S:.0f} s)"
        if "unable to open" in msg:
            return f"cannot open {where}"
        if "connection" in msg.lower() or "could not" in msg.lower():
            return f"cannot reach the database at {self.safe_url}: {msg.strip()}"
        return f"database error on {where}: {msg.strip()}"

    def kind(self) -> str:
        """'live' or 'training', as recorded in the database itself."""
        with self.read() as session:
            value = session.execute(text("SELECT value FROM meta WHERE key = 'kind'")).scalar()
        return str(value or "live")

    def mark_training(self) -> None:
        """Record that this is a training database; refused for a live one with incidents."""
        if self.kind() == "training":
            return
        with self.write() as session:
            used = session.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar()
            if used:
                raise StoreError(
                    "{where} is a live database already in use; training needs its own "
                    "database", where=str(self.path or self.safe_url))
            session.execute(text("UPDATE meta SET value = 'training' WHERE key = 'kind'"))

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        """Move the SQLite WAL into the database file (the runtime's scheduler does this).

        A PASSIVE checkpoint never blocks readers or writers; it runs on its own short
        connection so it never waits behind the pool. Busy or gone: the next pass tries
        again. Nothing to do on PostgreSQL.
        """
        if self.path is None or mode not in ("PASSIVE", "TRUNCATE"):
            return
        if not self.path.exists():
            return  # gone for now (a network share blip)
        try:
            conn = sqlite3.connect(f"{self.path.as_uri()}?mode=rw", uri=True, timeout=1.0)
            try:
                conn.execute(f"PRAGMA wal_checkpoint({mode})")
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.debug("checkpoint of %s skipped: %s", self.path, exc)

    def dispose(self) -> None:
        """Close every pooled connection and fold the WAL back into the file."""
        self.engine.dispose()
        self.checkpoint("TRUNCATE")
