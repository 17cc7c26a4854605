"""Live change notifications on PostgreSQL: LISTEN on one connection, poll the feed at once.

A transaction that stores change events also runs ``pg_notify(CHANNEL, '<seq>')``
(``notify``); PostgreSQL delivers it at commit, to every listening session. The payload is
only the sequence: the events themselves are read from ``change_event`` by the watcher, so
a notification that is lost, merged or late costs a little latency and never a change.

``ChangeListener`` holds one psycopg connection of its own (autocommit, TCP keepalives, a
connect timeout) on a thread of its own and waits in ``conn.notifies(timeout=...)``. On a
notification it calls ``on_change`` (the watcher's poll, which reads from its cursor). It
connects with the store's own ``Timeouts`` (connect timeout, keepalives, ``tcp_user_timeout``,
server timeouts from the ``[database]`` settings), so a silent network is noticed as soon
as the store's connections notice it. When
the connection drops it reconnects with backoff; once it listens again it calls
``on_change`` once, so what was committed while it was away is caught up from the
watcher's cursor. ``on_state`` tells the runtime whether the listener is live, so the
scheduler's poll (the fallback) can slow down while it is.

psycopg's own ``notifies`` generator is used rather than SQLAlchemy: LISTEN is a property
of one session, which a pool must not hand to anyone else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from meldkamer.store.db import Timeouts

log = logging.getLogger(__name__)

CHANNEL = "meldkamer_changes"
WAIT_S = 1.0  # how long one wait for notifications lasts before the stop flag is checked
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


def notify(session: Session, seq: int) -> None:
    """Tell the listening workstations, at this transaction's commit, that ``seq`` is stored."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": str(seq)})


def libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL of a store as a libpq connection string for psycopg."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


class ChangeListener:
    """LISTEN for change notifications on a thread of its own; reconnect with backoff."""

    def __init__(self, url: str, on_change: Callable[[], Any], *,
                 on_state: Callable[[bool], Any] | None = None,
                 name: str = "meldkamer-listen", timeouts: Timeouts | None = None) -> None:
        self.dsn = libpq_dsn(url)
        # The store's libpq parameters: connect timeout, keepalives, tcp_user_timeout.
        self.connect_args = (timeouts or Timeouts.from_settings()).connect_args()
        self.on_change = on_change
        self.on_state = on_state
        self.name = name
        self.live = False
        self.pid: int | None = None  # the listening backend's pid (diagnostics, tests)
        self.notified = 0
        self.reconnects = 0
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> ChangeListener:
        """Start listening on a daemon thread; returns at once."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def wait_live(self, timeout: float) -> bool:
        """Block until the listener listens (or ``timeout`` passes); True when it does."""
        return self._connected.wait(timeout)

    def stop(self, timeout: float = WAIT_S + 2.0) -> None:
        """Stop the thread (it notices within one wait) and close its connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _set_live(self, live: bool) -> None:
        if live == self.live:
            return
        self.live = live
        if live:
            self._connected.set()
        else:
            self._connected.clear()
        if self.on_state is not None:
            try:
                self.on_state(live)
            except Exception:
                log.exception("change listener: state callback failed")

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self._listen()
                attempt = 0
            except Exception as exc:  # the connection dropped or never came
                if self._stop.is_set():
                    break
                self._set_live(False)
                delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                log.warning("change listener: %s; reconnecting in %.1f s", exc, delay)
                attempt += 1
                self.reconnects += 1
                self._stop.wait(delay)
        self._set_live(False)

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn, autocommit=True, application_name=self.name,
                             **self.connect_args) as conn:
            self._conn = conn
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            self.pid = int(conn.info.backend_pid)
            self._set_live(True)
            self._changed()  # catch up: what was committed while nobody listened
            while not self._stop.is_set():
                got = False
                for _note in conn.notifies(timeout=WAIT_S):
                    got = True
                    self.notified += 1
                    break  # one poll reads everything stored so far; drain the rest below
                if got:
                    self._drain(conn)
                    self._changed()
                elif conn.closed or conn.broken:
                    raise psycopg.OperationalError("the listening connection was closed")
                else:
                    # No notification for a while: a cheap round trip finds a dead link
                    # sooner than the keepalives would.
                    conn.execute("SELECT 1")
            self._conn = None

    def _drain(self, conn: Any) -> None:
        """Consume notifications already queued: one poll covers them all."""
        for _note in conn.notifies(timeout=0.0):
            self.notified += 1

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:
            log.exception("change listener: the poll after a notification failed")
