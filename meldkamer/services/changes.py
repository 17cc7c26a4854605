"""The change feed: other workstations' changes, as the typed events their transactions stored.

A transaction stores every shared event it publishes in ``change_event``, in the same
commit as the change (``Tx.write_events``). Rows are ordered by the audit sequence of
their transaction, which is handed out under the audit head's row lock and therefore in
commit order on SQLite and PostgreSQL alike: a reader that has seen sequence N has seen
everything before it. The watcher reads rows after its cursor (an indexed range query,
cheap at any history size), rebuilds the events through the registry in
``meldkamer.events`` and publishes those another process wrote.

The runtime polls it on its scheduler; PostgreSQL LISTEN/NOTIFY can shorten the wait
later, with polling as the fallback.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, or_, select

from meldkamer.events import DomainEvent, UnknownEvent, from_record
from meldkamer.store.models import ChangeEvent

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

log = logging.getLogger(__name__)
KEEP = timedelta(days=1)
Cursor = tuple[int, int]


def latest_cursor(core: Meldkamer) -> Cursor:
    """The position of the newest stored change event."""
    with core.store.read() as session:
        row = session.execute(
            select(ChangeEvent.seq, ChangeEvent.id)
            .order_by(ChangeEvent.seq.desc(), ChangeEvent.id.desc()).limit(1)
        ).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def changes_since(core: Meldkamer, cursor: Cursor, limit: int = 1000, *,
                  skip_origin: str | None = None
                  ) -> tuple[list[tuple[str, DomainEvent]], Cursor]:
    """Stored events after ``cursor`` as (origin, event), oldest first, and the new cursor.

    Rows written by ``skip_origin`` (this process) are left out in the query, not decoded
    and dropped, and the cursor still moves past them: the newest position is read first
    and bounds the page, so a row committed between the two reads (a later sequence,
    since sequences follow commit order) waits for the next poll instead of being jumped.
    """
    seq, row_id = cursor
    after = or_(ChangeEvent.seq > seq, and_(ChangeEvent.seq == seq, ChangeEvent.id > row_id))
    with core.store.read() as session:
        newest = session.execute(
            select(ChangeEvent.seq, ChangeEvent.id)
            .order_by(ChangeEvent.seq.desc(), ChangeEvent.id.desc()).limit(1)
        ).first()
        if newest is not None and (int(newest[0]), int(newest[1])) < cursor:
            # The feed is behind the cursor: the (training) database was reset and its
            # trail starts afresh (meldkamer.training.reset). Read it from its start.
            seq, row_id = cursor = (0, 0)
            after = or_(ChangeEvent.seq > seq,
                        and_(ChangeEvent.seq == seq, ChangeEvent.id > row_id))
        if newest is None or (int(newest[0]), int(newest[1])) <= cursor:
            return [], cursor
        top: Cursor = (int(newest[0]), int(newest[1]))
        upto = or_(ChangeEvent.seq < top[0], and_(ChangeEvent.seq == top[0],
                                                  ChangeEvent.id <= top[1]))
        q = select(ChangeEvent.id, ChangeEvent.seq, ChangeEvent.origin, ChangeEvent.type,
                   ChangeEvent.payload).where(after, upto)
        if skip_origin is not None:
            q = q.where(ChangeEvent.origin != skip_origin)
        rows = session.execute(q.order_by(ChangeEvent.seq, ChangeEvent.id).limit(limit)).all()
    out: list[tuple[str, DomainEvent]] = []
    for rid, s, origin, type_name, payload in rows:
        try:
            out.append((origin, from_record(type_name, int(s), dict(payload or {}))))
        except (UnknownEvent, TypeError, ValueError) as exc:
            log.warning("change feed: skipped stored event %s (%s): %s", rid, type_name, exc)
    if len(rows) < limit:
        return out, top
    return out, (int(rows[-1][1]), int(rows[-1][0]))


def prune(core: Meldkamer) -> int:
    """Forget change events older than a day (they are live news, not the record)."""
    cutoff = core.clock() - KEEP
    with core.store.write() as session:
        result = session.execute(delete(ChangeEvent).where(ChangeEvent.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def count(core: Meldkamer) -> int:
    """How many change events are stored (for diagnostics and tests)."""
    with core.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(ChangeEvent)) or 0)


class ChangeWatcher:
    """Publishes other processes' changes on the core's bus, one poll at a time."""

    def __init__(self, core: Meldkamer) -> None:
        self.core = core
        self.cursor = latest_cursor(core)
        self._lock = threading.Lock()  # a slow poll and the next one never overlap

    def poll(self) -> int:
        """Publish what other processes changed since the last poll; returns how many."""
        with self._lock:
            published = 0
            while True:
                before = self.cursor
                events, self.cursor = changes_since(self.core, before,
                                                    skip_origin=self.core.origin)
                for _origin, event in events:
                    self.core.bus.publish(event)
                    published += 1
                if self.cursor == before or not events:
                    return published
