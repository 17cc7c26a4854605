"""The tamper-evident audit trail: every event carries the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from meldkamer.domain.views import AuditReport
from meldkamer.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(
    seq: int, at: datetime, user: str, action: str, entity: str, key: str, data: str, prev: str
) -> str:
    body = json.dumps(
        [seq, at.astimezone(UTC).isoformat(), user, action, entity, key, data, prev],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    user: str,
    action: str,
    entity: str,
    key: str,
    data: dict[str, Any],
) -> int:
    """Append one event to the chain inside the caller's transaction; returns its number.

    The head row is locked (FOR UPDATE on PostgreSQL; SQLite writers are serialised by
    BEGIN IMMEDIATE), so concurrent writers extend the chain one after the other.
    """
    last_seq, last_hash = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    seq = last_seq + 1
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    digest = _digest(seq, at, user, action, entity, key, payload, last_hash)
    session.execute(insert(AuditEvent).values(
        seq=seq, at=at, user=user, action=action, entity=entity, entity_key=key,
        data=payload, prev_hash=last_hash, hash=digest,
    ))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
    return seq


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
