"""Resetting the training database between runs: ``meldkamer scenario reset``.

Every incident, call, assignment, log line, status history row, alarm, caller flag,
change event and audit event goes, in one transaction; the audit trail starts afresh
(its head back at the genesis), and the demo roster (stations and units, every unit at
its first available status) is loaded again, as the first events of the new trail. A
live database is refused: only a database marked as training (``--training``) is reset.

Rows are deleted rather than the file or database dropped: a trainee's workstation may
hold the same training database open, and its change feed picks up from the start of
the new trail (``meldkamer.services.changes``).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from meldkamer.errors import Refused
from meldkamer.i18n import N_
from meldkamer.services.audit import GENESIS
from meldkamer.store.models import AuditHead, Base, Incident, Meta, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

KEEP = ("meta", "audit_head", "app_user", "login_token")
"""Tables that stay: what the database is (training), the audit head (reset, not
deleted), and the people who log in to it (the trainer who reset it among them)."""

LIVE_REFUSED = N_("{where} is a live database: only a training database is reset")


GUARDED = ("audit_event", "audit_head", "log_entry", "meta")
"""The tables whose triggers keep the trail (migration 0013)."""


def _restart_chain(session: Session) -> None:
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=0, hash=GENESIS))
    facts = {"audit_keyed_from": "1", "audit_chain_id": uuid.uuid4().hex,
             "audit_rows_from": json.dumps(dict.fromkeys(
                 ("assignment", "call", "incident", "log_entry"), 0), sort_keys=True)}
    for key, value in facts.items():
        session.execute(update(Meta).where(Meta.key == key).values(value=value))


def reset_training(core: Meldkamer) -> dict[str, int]:
    """Empty the training database and load the demo roster; rows deleted per table, and
    ``stations`` and ``units`` loaded."""
    from meldkamer.demo import load_demo

    if core.store.kind() != "training":
        raise Refused(LIVE_REFUSED, where=core.store.safe_url)
    deleted: dict[str, int] = {}
    tables = [t for t in reversed(Base.metadata.sorted_tables)  # children before parents
              if t.name not in KEEP]
    with core.store.write() as session:
        for table in tables:
            deleted[table.name] = int(session.scalar(select(func.count()).select_from(table))
                                      or 0)
        # The trail's rules (append-only, forward-only head, fixed facts) are lifted for
        # this transaction only (DDL is transactional in both) and put back as they were;
        # the emptied trail starts a new chain, with a checkpoint file of its own.
        if core.store.dialect == "postgresql":
            for name in GUARDED:
                session.execute(text(f'ALTER TABLE "{name}" DISABLE TRIGGER USER'))
            names = ", ".join(f'"{t.name}"' for t in tables)
            session.execute(text(f"TRUNCATE {names}"))
            _restart_chain(session)
            for name in GUARDED:
                session.execute(text(f'ALTER TABLE "{name}" ENABLE TRIGGER USER'))
        else:
            # The links that point back into tables deleted later or into their own table.
            session.execute(update(Unit).values(incident_id=None))
            session.execute(update(Incident).values(duplicate_of_id=None))
            rules = session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND tbl_name IN ({', '.join(repr(n) for n in GUARDED)}) "
                "AND sql LIKE '%RAISE(ABORT%'")).all()
            for name, _sql in rules:
                session.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                session.execute(delete(table))
            _restart_chain(session)
            for _name, sql in rules:
                session.execute(text(sql))
    loaded = load_demo(core, incidents=False)
    return {**deleted, "stations_loaded": loaded["stations"], "units_loaded": loaded["units"]}
