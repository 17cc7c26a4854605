"""Keyed digests of the rows a transaction wrote, so the trail can be replayed against them.

The audit event of each transaction carries, under ``"rows"``, a digest of every field of
each incident it touched, of that incident's calls and assignments, and of each log line it
added. Verify folds the trail into the digests the tables should have and compares them
with the tables, naming what differs. Values enter only as keyed hashes (keyed BLAKE2b with the
installation key, the row's id and the field's name): the trail holds no caller's name or
number, and a retention pass can pseudonymise a field and record its new digest in a new
event without touching the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.orm import Session

from meldkamer.services import audit_key
from meldkamer.store.models import Assignment, Base, Call, Incident

DIGEST_HEX = 12  # 48 bits per field: a blind edit goes unnoticed once in 2.8e14
TABLES: dict[str, Table] = {name: Base.metadata.tables[name]
                            for name in ("incident", "call", "assignment", "log_entry")}
SHORT = {"incident": "inc", "call": "call", "assignment": "asg"}
_TOUCHED = "audit_rows_incidents"
_LOGS = "audit_rows_logs"
_SKIP = frozenset({"text_tsv"})  # PostgreSQL's generated search column


class Digester:
    """Keyed field digests: BLAKE2b in its keyed (MAC) mode, one C call per field.

    A value is digested by its ``repr`` as the store returns it (the same Core query on the
    write and on the verify side), with the table, row id and field name.
    """

    def __init__(self) -> None:
        self._key = audit_key.subkey("rows")

    def field(self, table: str, row_id: int, name: str, value: Any) -> str:
        text = f"{table}\x1f{row_id}\x1f{name}\x1f{value!r}"
        return hashlib.blake2b(text.encode("utf-8"), key=self._key,
                               digest_size=DIGEST_HEX // 2).hexdigest()

    def fields(self, table: str, row: Any) -> dict[str, str]:
        values = row._mapping
        row_id = int(values["id"])
        return {k: self.field(table, row_id, k, v) for k, v in values.items()
                if k not in _SKIP}

    def line(self, row: Any) -> str:
        text = "log_entry\x1f" + repr(tuple(row))
        return hashlib.blake2b(text.encode("utf-8"), key=self._key,
                               digest_size=16).hexdigest()


def personal(kind: str, value: str) -> str:
    """A personal value (a caller's number, a flag's note) as audit data holds it: a keyed
    digest, never the value, so the trail keeps no personal data to pseudonymise later.

    Empty stays empty; the same value gives the same digest (events stay comparable).
    """
    if not value:
        return ""
    text = f"personal\x1f{kind}\x1f{value}"
    return "k:" + hashlib.blake2b(text.encode("utf-8"), key=audit_key.subkey("personal"),
                                  digest_size=DIGEST_HEX // 2).hexdigest()


def _track(session: Session, _context: Any) -> None:
    touched: set[int] = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Incident) and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, Call | Assignment) and obj.incident_id is not None:
            touched.add(obj.incident_id)


def install() -> None:
    """Follow every session's flushes for the incidents they change (once per process)."""
    if not event.contains(Session, "after_flush", _track):
        event.listen(Session, "after_flush", _track)


def touch(session: Session, incident_ids: Iterable[int]) -> None:
    """Mark incidents as written by this transaction (changes made with Core statements)."""
    session.info.setdefault(_TOUCHED, set()).update(i for i in incident_ids if i is not None)


def added_lines(session: Session, ids: Iterable[int]) -> None:
    """Note the ids of log lines this transaction inserted."""
    session.info.setdefault(_LOGS, set()).update(ids)


def pending(session: Session) -> bool:
    """Whether this transaction wrote rows the trail must cover."""
    return bool(session.info.get(_TOUCHED) or session.info.get(_LOGS))


def collect(session: Session) -> dict[str, Any]:
    """The digests of what this transaction wrote, as they stand now (then forgotten)."""
    incidents = sorted(session.info.pop(_TOUCHED, set()))
    logs = sorted(session.info.pop(_LOGS, set()))
    if not incidents and not logs:
        return {}
    session.flush()
    conn = session.connection()
    d = Digester()
    out: dict[str, Any] = {}
    if incidents:
        inc_t, call_t, asg_t = TABLES["incident"], TABLES["call"], TABLES["assignment"]
        found = {int(r.id): r for r in conn.execute(
            select(inc_t).where(inc_t.c.id.in_(incidents)))}
        out["inc"] = {str(i): {"#": found[i].number, **d.fields("incident", found[i])}
                      if i in found else None for i in incidents}
        for name, table in (("call", call_t), ("assignment", asg_t)):
            rows = conn.execute(select(table).where(table.c.incident_id.in_(incidents)))
            out[SHORT[name]] = {str(r.id): [int(r.incident_id), d.fields(name, r)]
                                for r in rows}
    if logs:
        log_t = TABLES["log_entry"]
        cols = [c for c in log_t.c if c.name not in _SKIP]
        rows = conn.execute(select(*cols).where(log_t.c.id.in_(logs)))
        out["log"] = {str(r.id): [int(r.incident_id), d.line(r)] for r in rows}
    return out


install()  # the core's transactions rely on it from their first flush
