"""Keep ``incident_response`` right: first dispatch and first on scene per discipline.

Called with the status history rows a transaction writes (``Tx.write_history``, the one
place every status change passes). A row is created at an incident's first dispatch of a
unit of a discipline, carrying the incident's first call; the first arrival of such a
unit on scene fills ``on_scene_at``. Earlier times win, so a replayed or back-dated
change never moves a time later. One upsert per statement (``ON CONFLICT``, on SQLite and
PostgreSQL both), so two workstations dispatching at once cannot create the row twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from meldkamer.domain.reference import Reference
from meldkamer.store.models import Call, IncidentResponse, Unit

ON_SCENE = "on_scene"
"""The status code that means a unit is on scene (statuses.toml)."""


def record_responses(session: Session, ref: Reference, rows: Sequence[dict[str, Any]]) -> None:
    """Fold status history rows into the incidents' response times."""
    dispatched = ref.dispatched_status.code
    wanted = [r for r in rows if r.get("incident_id") is not None
              and r["to_status"] in (dispatched, ON_SCENE)]
    if not wanted:
        return
    unit_ids = {r["unit_id"] for r in wanted}
    disciplines: dict[int, str] = dict(session.execute(
        select(Unit.id, Unit.discipline).where(Unit.id.in_(unit_ids))).all())
    firsts: dict[tuple[int, str], dict[str, datetime]] = {}
    for r in wanted:
        key = (r["incident_id"], disciplines[r["unit_id"]])
        column = "dispatched_at" if r["to_status"] == dispatched else "on_scene_at"
        seen = firsts.setdefault(key, {})
        if column not in seen or r["at"] < seen[column]:
            seen[column] = r["at"]
    insert: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table: Any = IncidentResponse.__table__
    for (incident_id, discipline), times in firsts.items():
        first_call = (select(func.min(Call.at)).where(Call.incident_id == incident_id)
                      .scalar_subquery())
        stmt = insert(table).values(incident_id=incident_id, discipline=discipline,
                                    call_at=first_call, **times)
        updates = {
            column: func.coalesce(func.min(table.c[column], stmt.excluded[column]),
                                  stmt.excluded[column])
            if session.get_bind().dialect.name == "sqlite" else
            func.least(func.coalesce(table.c[column], stmt.excluded[column]),
                       stmt.excluded[column])
            for column in times
        }
        session.execute(stmt.on_conflict_do_update(
            index_elements=["incident_id", "discipline"], set_=updates))
        _intervals(session, incident_id, discipline)


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds(), 3)


def _intervals(session: Session, incident_id: int, discipline: str) -> None:
    """Write the row's intervals from its times (as just stored)."""
    table: Any = IncidentResponse.__table__
    key = (table.c.incident_id == incident_id) & (table.c.discipline == discipline)
    row = session.execute(select(table.c.call_at, table.c.dispatched_at,
                                 table.c.on_scene_at).where(key)).one()
    session.execute(update(table).where(key).values(
        processing_seconds=_seconds(row.dispatched_at, row.call_at),
        travel_seconds=_seconds(row.on_scene_at, row.dispatched_at),
        total_seconds=_seconds(row.on_scene_at, row.call_at)))
