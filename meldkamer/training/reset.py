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

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, text, update

from meldkamer.errors import Refused
from meldkamer.i18n import N_
from meldkamer.services.audit import GENESIS
from meldkamer.store.models import AuditHead, Base, Incident, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

KEEP = ("meta", "audit_head")
"""Tables that stay: what the database is (training) and the audit head (reset, not
deleted)."""

LIVE_REFUSED = N_("{where} is a live database: only a training database is reset")


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
        if core.store.dialect == "postgresql":
            # TRUNCATE fires no row trigger: the append-only rule of audit_event stays.
            names = ", ".join(f'"{t.name}"' for t in tables)
            session.execute(text(f"TRUNCATE {names}"))
        else:
            # The links that point back into tables deleted later or into their own table.
            session.execute(update(Unit).values(incident_id=None))
            session.execute(update(Incident).values(duplicate_of_id=None))
            # SQLite's append-only rule is a trigger: lifted for this transaction only
            # (DDL is transactional in SQLite) and put back as it was.
            rule = session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_event' AND sql LIKE '%BEFORE DELETE%'")).all()
            for name, _sql in rule:
                session.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                session.execute(delete(table))
            for _name, sql in rule:
                session.execute(text(sql))
        session.execute(update(AuditHead).where(AuditHead.id == 1)
                        .values(seq=0, hash=GENESIS))
    loaded = load_demo(core, incidents=False)
    return {**deleted, "stations_loaded": loaded["stations"], "units_loaded": loaded["units"]}
