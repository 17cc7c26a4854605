"""The tamper-evident audit trail: every event carries the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from meldkamer.domain.views import AuditReport
from meldkamer.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_INSERT = insert(AuditEvent)
_MOVE = (update(AuditHead).where(AuditHead.id == 1)
         .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))


def _digest(
    seq: int, at: datetime, user: str, action: str, entity: str, key: str, data: str, prev: str
) -> str:
    body = json.dumps(
        [seq, at.astimezone(UTC).isoformat(), user, action, entity, key, data, prev],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


Head = tuple[int, str]  # the chain's end: the last sequence number and its hash


def read_head(session: Session) -> Head:
    """The end of the chain, locked for this transaction.

    FOR UPDATE on PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE. Either way
    concurrent writers extend the chain one after the other.
    """
    session.flush()  # the changes first, as before: the lock is then held only briefly
    seq, digest = session.connection().execute(_HEAD).one()
    return int(seq), str(digest)


def link(
    head: Head,
    *,
    at: datetime,
    user: str,
    action: str,
    entity: str,
    key: str,
    data: dict[str, Any],
) -> tuple[Head, dict[str, Any]]:
    """The event that follows ``head``: the chain's new end, and the row to insert.

    The caller keeps the end for its next event; before it commits it inserts the rows
    (``insert_events``, one statement for all) and stores the end once (``store_head``).
    """
    seq = head[0] + 1
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    digest = _digest(seq, at, user, action, entity, key, payload, head[1])
    return (seq, digest), {"seq": seq, "at": at, "user": user, "action": action,
                           "entity": entity, "entity_key": key, "data": payload,
                           "prev_hash": head[1], "hash": digest}


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert linked events (Core, bound values: no ORM work per event)."""
    if rows:
        session.connection().execute(_INSERT, rows)


def store_head(session: Session, head: Head) -> None:
    """Record the chain's new end (once per transaction, after its last event)."""
    session.connection().execute(_MOVE, {"new_seq": head[0], "new_hash": head[1]})


def verify(session: Session) -> AuditReport:
    """Walk the whole chain; name the first event whose content or link is broken."""
    prev, expected, count = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq).execution_options(
        yield_per=5000))
    for ev in rows.scalars():
        count += 1
        if ev.seq != expected:
            return AuditReport(False, count, expected,
                               f"event {expected} is missing (next stored event is {ev.seq})")
        if ev.prev_hash != prev:
            return AuditReport(False, count, ev.seq,
                               f"event {ev.seq} does not link to event {ev.seq - 1}")
        digest = _digest(ev.seq, ev.at, ev.user, ev.action, ev.entity, ev.entity_key, ev.data,
                         ev.prev_hash)
        if digest != ev.hash:
            return AuditReport(False, count, ev.seq,
                               f"event {ev.seq} ({ev.action} {ev.entity_key}) was altered")
        prev, expected = ev.hash, expected + 1
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected - 1 or head.hash != prev:
        last = head.seq if head else 0
        return AuditReport(False, count, expected,
                           f"the chain ends at event {expected - 1} but the head says {last}: "
                           "events were removed from the end")
    return AuditReport(True, count, None, "")
