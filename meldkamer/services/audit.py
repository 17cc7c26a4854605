"""The tamper-evident audit trail: every event carries the keyed hash of the one before.

From the sequence recorded in ``meta`` (``audit_keyed_from``, migration 0013) each hash is
an HMAC-SHA256 with the installation key (``audit_key``); the events before it keep their
plain SHA-256 and are verified by that rule. Checkpoints of the head live outside the
database (``anchors``); the rows each transaction wrote are digested into its last event
(``audit_rows``), so verify can replay the trail against the tables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from meldkamer.domain.views import AuditReport
from meldkamer.services import audit_key
from meldkamer.store.models import AuditEvent, AuditHead, Meta

GENESIS = "0" * 64
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_INSERT = insert(AuditEvent)
_MOVE = (update(AuditHead).where(AuditHead.id == 1)
         .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))
NOT_KEYED = 1 << 62  # a database without 0013's facts: nothing in it is keyed


def _body(seq: int, at: datetime, user: str, action: str, entity: str, key: str, data: str,
          prev: str) -> bytes:
    return json.dumps(
        [seq, at.astimezone(UTC).isoformat(), user, action, entity, key, data, prev],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def _digest(seq: int, at: datetime, user: str, action: str, entity: str, key: str,
            data: str, prev: str, chain_key: bytes | None = None) -> str:
    """The event's hash: HMAC with ``chain_key`` (the keyed part), else plain SHA-256."""
    body = _body(seq, at, user, action, entity, key, data, prev)
    if chain_key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(chain_key, body, hashlib.sha256).hexdigest()


def chain_key() -> bytes:
    """The key of the chain's keyed part (derived from the installation key)."""
    return audit_key.subkey("chain")


Head = tuple[int, str]  # the chain's end: the last sequence number and its hash ("" pending)


def read_head(session: Session) -> Head:
    """The end of the chain, locked for this transaction.

    FOR UPDATE on PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE. Either way
    concurrent writers extend the chain one after the other.
    """
    session.flush()  # the changes first, as before: the lock is then held only briefly
    seq, digest = session.connection().execute(_HEAD).one()
    return int(seq), str(digest)


def _payload(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def link(
    head: Head,
    *,
    at: datetime,
    user: str,
    action: str,
    entity: str,
    key: str,
    data: dict[str, Any],
    keyed: bool = True,
) -> tuple[Head, dict[str, Any]]:
    """The event that follows ``head``, hashed now: the chain's new end and the row to insert.

    ``keyed=False`` writes an event as versions before 0013 did (plain SHA-256).
    """
    _, row = pending(head, at=at, user=user, action=action, entity=entity, key=key,
                       data=data)
    return seal([row], keyed=keyed), row


def pending(head: Head, *, at: datetime, user: str, action: str, entity: str, key: str,
            data: dict[str, Any]) -> tuple[Head, dict[str, Any]]:
    """The event that follows ``head``, its hash left for ``seal`` (its data may still grow).

    The first event after a head read from the store carries that head's hash; the ones
    after it are linked when sealed.
    """
    seq = head[0] + 1
    return (seq, ""), {"seq": seq, "at": at, "user": user, "action": action,
                       "entity": entity, "entity_key": key, "data": data,
                       "prev_hash": head[1]}


def seal(rows: list[dict[str, Any]], *, keyed: bool = True) -> Head:
    """Hash pending events in order, each linking to the one before; returns the new end."""
    secret = chain_key() if keyed else None
    prev = rows[0]["prev_hash"]
    for row in rows:
        if isinstance(row["data"], dict):
            row["data"] = _payload(row["data"])
        row["prev_hash"] = prev
        row["hash"] = prev = _digest(row["seq"], row["at"], row["user"], row["action"],
                                     row["entity"], row["entity_key"], row["data"], prev,
                                     secret)
    return int(rows[-1]["seq"]), str(prev)


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert linked events (Core, bound values: no ORM work per event)."""
    if rows:
        session.connection().execute(_INSERT, rows)


def store_head(session: Session, head: Head) -> None:
    """Record the chain's new end (once per transaction, after its last event)."""
    session.connection().execute(_MOVE, {"new_seq": head[0], "new_hash": head[1]})


def facts(session: Session) -> dict[str, str]:
    """What migration 0013 recorded: keyed start, chain id, rows covered from."""
    rows = session.execute(select(Meta.key, Meta.value).where(Meta.key.like("audit_%")))
    return {str(k): str(v) for k, v in rows}


def keyed_from(found: dict[str, str]) -> int:
    try:
        return int(found["audit_keyed_from"])
    except (KeyError, ValueError):
        return NOT_KEYED


def verify(session: Session, *, since: Head | None = None, replay: bool = True,
           anchors: bool = True) -> AuditReport:
    """Check the chain, its checkpoints and (``replay``) the tables against the trail.

    ``since``: a head verified before (a checkpoint); the walk starts after it and the
    replay is skipped (the scheduler's cheap check).
    """
    from meldkamer.services.trail_check import Verification

    return Verification(session, since=since, replay=replay and since is None,
                        anchors=anchors).run()


def report(ok: bool, events: int, first: int | None, problems: list[str], *,
           not_covered: int = 0, checkpoints: int = 0) -> AuditReport:
    """The report of a verification."""
    return AuditReport(ok, events, first, problems[0] if problems else "",
                       tuple(problems), not_covered, checkpoints)
