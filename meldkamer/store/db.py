"""Opening the incident store: engines, pragmas, transactions and schema upgrades.

SQLite (the embedded default) runs in WAL mode with foreign keys on and
``synchronous=FULL``, so a commit that returned survives a power cut. Write
transactions start with ``BEGIN IMMEDIATE``: two workstations on one file queue for
the write lock instead of failing halfway. PostgreSQL runs the same code and migrations.

On PostgreSQL nothing waits for long (``Timeouts``, from the ``[database]`` settings):
libpq's connect timeout, TCP keepalives and ``tcp_user_timeout``; the server's statement,
lock and idle-in-transaction timeouts; the pool's wait. A server or network that goes
silent after a statement was sent is not covered by any of those (the bytes were
acknowledged; the reply never comes), so each statement, ping and COMMIT also runs under
a client-side deadline (``_Deadline``) that shuts the socket down when it passes. No
library offers such a deadline for psycopg's blocking calls, hence our own small one.

A write whose connection dies after COMMIT was sent raises ``OutcomeUnknown``: the server
may have committed it. Before COMMIT, a failure is a plain ``StoreError``: nothing was saved.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from meldkamer.errors import Conflict, OutcomeUnknown, StoreError
from meldkamer.store.files import private_dir, private_file
from meldkamer.store.migrations import HEAD_REVISION, KNOWN_REVISIONS

log = logging.getLogger(__name__)
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 15.0
DEADLINE_GRACE_S = 2.0  # the server's own statement_timeout answers first, with a clear error


@dataclass(frozen=True)
class Timeouts:
    """How long PostgreSQL work may wait, in seconds (the ``[database]`` settings)."""

    connect: float = 5.0
    statement: float = 5.0
    lock: float = 5.0
    idle_in_transaction: float = 30.0
    keepalive_idle: float = 5.0
    keepalive_interval: float = 2.0
    keepalive_count: int = 3
    tcp_user_timeout: float = 5.0
    pool: float = 5.0

    @classmethod
    def from_settings(cls) -> Timeouts:
        """The workstation's settings file, or the defaults where it says nothing."""
        from meldkamer import settings as st

        values = st.Settings()
        return cls(
            connect=values.get(st.DB_CONNECT_TIMEOUT),
            statement=values.get(st.DB_STATEMENT_TIMEOUT),
            lock=values.get(st.DB_LOCK_TIMEOUT),
            idle_in_transaction=values.get(st.DB_IDLE_TIMEOUT),
            keepalive_idle=values.get(st.DB_KEEPALIVE_IDLE),
            keepalive_interval=values.get(st.DB_KEEPALIVE_INTERVAL),
            keepalive_count=values.get(st.DB_KEEPALIVE_COUNT),
            tcp_user_timeout=values.get(st.DB_TCP_USER_TIMEOUT),
            pool=values.get(st.DB_POOL_TIMEOUT),
        )

    @property
    def deadline(self) -> float:
        """How long the client waits for any reply before it gives the connection up."""
        return self.statement + DEADLINE_GRACE_S

    def connect_args(self) -> dict[str, Any]:
        """libpq connection parameters (psycopg passes them through)."""
        def ms(seconds: float) -> int:
            return max(1, int(seconds * 1000))

        options = " ".join((
            f"-c statement_timeout={ms(self.statement)}",
            f"-c lock_timeout={ms(self.lock)}",
            f"-c idle_in_transaction_session_timeout={ms(self.idle_in_transaction)}",
        ))
        return {
            "connect_timeout": max(1, round(self.connect)),
            "keepalives": 1,
            "keepalives_idle": max(1, round(self.keepalive_idle)),
            "keepalives_interval": max(1, round(self.keepalive_interval)),
            "keepalives_count": max(1, self.keepalive_count),
            "tcp_user_timeout": ms(self.tcp_user_timeout),
            "options": options,
        }


class _Deadline:
    """Shuts a PostgreSQL socket down when a reply takes longer than ``seconds``.

    Armed around each statement, pre-ping and COMMIT on the calling thread; one timer
    thread for the whole store. A shut-down socket wakes psycopg's wait at once with a
    connection error, which SQLAlchemy treats as a disconnect (the pool drops it).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}  # thread id -> (deadline, socket fd)
        self._fired: set[int] = set()  # threads whose last call the deadline cut
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextmanager
    def watch(self, dbapi_conn: Any, seconds: float | None = None) -> Iterator[None]:
        """Guard one blocking call on ``dbapi_conn`` (a psycopg connection)."""
        try:
            fd = int(dbapi_conn.pgconn.socket)
        except Exception:  # already closed: the call itself fails at once
            yield
            return
        self.arm(fd, seconds)
        try:
            yield
        finally:
            self.disarm()

    def arm(self, fd: int, seconds: float | None = None) -> None:
        with self._cond:
            tid = threading.get_ident()
            self._fired.discard(tid)
            self._armed[tid] = (time.monotonic() + (seconds or self.seconds), fd)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="db-deadline",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._armed.pop(threading.get_ident(), None)

    def take_fired(self) -> bool:
        """True (once) when the deadline cut this thread's last call."""
        with self._cond:
            tid = threading.get_ident()
            if tid in self._fired:
                self._fired.discard(tid)
                return True
            return False

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._armed.clear()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                late = [(tid, fd) for tid, (at, fd) in self._armed.items() if at <= now]
                for tid, fd in late:
                    del self._armed[tid]
                    self._fired.add(tid)
                    try:
                        # shutdown acts on the socket itself, so a duplicate fd reaches it
                        with socket.socket(fileno=os.dup(fd)) as sock:
                            sock.shutdown(socket.SHUT_RDWR)
                    except OSError as exc:
                        log.debug("deadline: socket %s already gone: %s", fd, exc)
                    log.warning("no reply from the database in time: connection dropped")
                waits = [at - now for at, _ in self._armed.values()]
                self._cond.wait(timeout=min(waits) if waits else None)


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
            private_dir(path.parent)
            private_file(path)  # 0600 before SQLite opens it: -wal and -shm follow its mode
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

    def __init__(self, url: str, *, upgrade: bool = True,
                 timeouts: Timeouts | None = None) -> None:
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
            self.timeouts = timeouts or Timeouts()  # PostgreSQL's; SQLite has its busy timeout
        else:
            self.path = None
            self.timeouts = timeouts or Timeouts.from_settings()
            kwargs["connect_args"] = self.timeouts.connect_args()
            kwargs["pool_pre_ping"] = True
            kwargs["pool_timeout"] = self.timeouts.pool
        self._deadline: _Deadline | None = None
        self._committing = threading.local()  # COMMIT was sent on this thread's write
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StoreError("cannot use {safe_url}: {exc}",
                safe_url=self.safe_url, exc=exc) from exc
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self._watch_postgresql()
        self.read_engine = self.engine.execution_options(meldkamer_readonly=True)
        self._shared = threading.local()  # a write session this thread's reads go through
        if upgrade:
            self.upgrade()

    def _watch_postgresql(self) -> None:
        """Put every statement, pre-ping and COMMIT under the client-side deadline."""
        deadline = self._deadline = _Deadline(self.timeouts.deadline)
        dialect = self.engine.dialect
        ping = dialect.do_ping

        # A ping is trivial: waiting for it as long as for a statement would only add the
        # reconnect's connect timeout on top when the network is silent.
        ping_s = max(2.0, self.timeouts.connect / 2)

        def guarded_ping(dbapi_conn: Any) -> bool:
            with deadline.watch(dbapi_conn, ping_s):
                return bool(ping(dbapi_conn))

        dialect.do_ping = guarded_ping  # type: ignore[method-assign,assignment]

        @event.listens_for(self.engine, "before_cursor_execute")
        def _arm(conn: Any, cursor: Any, *_args: Any) -> None:
            deadline.arm(int(cursor.connection.pgconn.socket))

        @event.listens_for(self.engine, "after_cursor_execute")
        def _disarm(*_args: Any) -> None:
            deadline.disarm()

        @event.listens_for(self.engine, "handle_error")
        def _failed(_context: Any) -> None:
            deadline.disarm()

        @event.listens_for(self.engine, "commit")
        def _commit_sent(_conn: Any) -> None:
            self._committing.sent = True

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
        """A session in one write transaction, committed (durably) when the block ends.

        Raises OutcomeUnknown when the connection died after COMMIT was sent (PostgreSQL):
        the change may be saved. Any other failure means nothing was saved.
        """
        with self._guard(), Session(self.engine, expire_on_commit=False) as session:
            session.begin()  # an error in the block: closing the session rolls it back
            yield session
            session.flush()  # everything but COMMIT itself, so its errors are plain
            self._committing.sent = False
            try:
                self._commit(session)
            except DBAPIError as exc:
                if self.dialect == "postgresql" and getattr(self._committing, "sent", False) \
                        and self._was_cut(exc):
                    raise OutcomeUnknown(
                        "the connection to the database at {safe_url} was lost while the "
                        "change was being saved; it may or may not have been saved",
                        safe_url=self.safe_url) from exc
                raise
            finally:
                self._committing.sent = False

    def _commit(self, session: Session) -> None:
        """COMMIT under the deadline (PostgreSQL); the block's ``begin`` sees it done."""
        if self._deadline is None:
            session.commit()
            return
        dbapi_conn = session.connection().connection.dbapi_connection
        with self._deadline.watch(dbapi_conn):
            session.commit()

    def _was_cut(self, exc: DBAPIError) -> bool:
        """A driver error that means the connection is gone, not a refusal by the server."""
        if self._deadline is not None and self._deadline.take_fired():
            return True
        return bool(getattr(exc, "connection_invalidated", False)) or \
            self.engine.dialect.is_disconnect(exc.orig, None, None)  # type: ignore[arg-type]

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
        except (DatabaseError, DBAPIError) as exc:
            template, fields = self._describe(exc)
            raise StoreError(template, **fields) from exc
        except TimeoutError as exc:  # the pool had no free connection in time
            raise StoreError("cannot reach the database at {safe_url}: no connection came "
                             "free within {seconds:.0f} s", safe_url=self.safe_url,
                             seconds=self.timeouts.pool) from exc

    def _describe(self, exc: DBAPIError) -> tuple[str, dict[str, Any]]:
        """A message template and its fields for a driver error."""
        msg = str(exc.orig) if exc.orig is not None else str(exc)
        where = self.path or self.safe_url
        fields: dict[str, Any] = {"where": where, "detail": msg.strip()}
        if self._deadline is not None and self._deadline.take_fired():
            return ("cannot reach the database at {where}: it did not answer in time (the "
                    "network or the server is down); nothing was saved", {"where": where})
        if "file is not a database" in msg:
            return "{where} is not a meldkamer database (not an SQLite file)", fields
        if "readonly" in msg or "read-only" in msg:
            return "{where} is read-only; nothing was written", fields
        if "database is locked" in msg:
            return ("{where} is busy (locked by another program for {seconds:.0f} s)",
                    {"where": where, "seconds": BUSY_TIMEOUT_S})
        if "unable to open" in msg:
            return "cannot open {where}", fields
        low = msg.lower()
        if "connection" in low or "could not" in low or "timeout expired" in low \
                or "server closed" in low:
            return "cannot reach the database at {where}: {detail}", fields
        return "database error on {where}: {detail}", fields

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
        if self._deadline is not None:
            self._deadline.close()
        self.checkpoint("TRUNCATE")
