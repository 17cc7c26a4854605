"""Who changed it: what an operator who lost a race sees about the change that won.

Two operators may dispatch the same unit or edit the same incident. The core detects it
(``check_version`` against the version the operator read, the ORM's version columns for
a race between two transactions, the turnout's ``TurnoutChanged``); this module reads the
audit trail for the change that got there first, so the workstation can name the incident
or unit, who changed it and when, next to the state reloaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from meldkamer.errors import Conflict
from meldkamer.i18n import tr
from meldkamer.store.models import AuditEvent, Unit

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer


class Lost(Conflict):
    """A change refused because someone else's came first, with what that change was.

    ``detail`` is already in the operator's language (the refusal and who changed what).
    """

    def __init__(self, detail: str) -> None:
        super().__init__("{detail}", detail=detail)


@dataclass(frozen=True)
class LastChange:
    """The newest audit event of an incident or unit: who, where from, what and when."""

    entity: str
    key: str
    user: str
    workstation: str
    action: str
    at: datetime
    seq: int

    def describe(self) -> str:
        """One line for the operator, in their language."""
        when = _hms(self.at)
        if self.workstation:
            return tr("{key} was last changed by {user} ({workstation}) at {time}",
                      key=self.key, user=self.user, workstation=self.workstation, time=when)
        return tr("{key} was last changed by {user} at {time}", key=self.key, user=self.user,
                  time=when)


def _change(row: AuditEvent) -> LastChange:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        data = {}
    source = data.get("source") if isinstance(data, dict) else None
    workstation = str(data.get("workstation") or "") if isinstance(data, dict) else ""
    user = str((source or {}).get("user") or row.user) if isinstance(source, dict) else row.user
    return LastChange(row.entity, row.entity_key, user, workstation, row.action, row.at,
                      row.seq)


def last_change(core: Meldkamer, entity: str, key: str) -> LastChange | None:
    """The newest audit event of ``entity`` ("incident", "unit") ``key``, or None."""
    with core.store.read() as session:
        row = session.execute(
            select(AuditEvent).where(AuditEvent.entity == entity,
                                     AuditEvent.entity_key == key)
            .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
        return _change(row) if row is not None else None


def unit_taken(core: Meldkamer, callsign: str) -> tuple[str | None, LastChange | None]:
    """The incident a unit is on now and the dispatch (or status change) that put it there."""
    with core.store.read() as session:
        unit = session.execute(select(Unit).where(Unit.callsign == callsign.strip().upper())
                               ).scalar_one_or_none()
        number = unit.incident.number if unit is not None and unit.incident else None
    if number is not None:
        with core.store.read() as session:
            rows = session.execute(
                select(AuditEvent).where(AuditEvent.entity == "incident",
                                         AuditEvent.entity_key == number,
                                         AuditEvent.action.like("incident.dispatch%"))
                .order_by(AuditEvent.seq.desc()).limit(20)).scalars().all()
            for row in rows:
                if callsign.strip().upper() in json.loads(row.data or "{}").get("units", []):
                    return number, _change(row)
    return number, last_change(core, "unit", callsign.strip().upper())


def explain_incident(core: Meldkamer, number: str, error: Exception) -> str:
    """The error an operator got on an incident, with who changed it meanwhile."""
    found = last_change(core, "incident", number)
    return f"{error}\n{found.describe()}" if found is not None else str(error)


def explain_units(core: Meldkamer, callsigns: list[str], error: Exception) -> str:
    """The error of a dispatch, with where each unit went meanwhile and who sent it."""
    lines = [str(error)]
    for callsign in callsigns:
        number, found = unit_taken(core, callsign)
        if number is not None and found is not None:
            lines.append(tr("{callsign} is on {number} now: dispatched by {user} at {time}",
                            callsign=callsign, number=number, user=found.user,
                            time=_hms(found.at)))
    return "\n".join(lines)


def _hms(ts: datetime) -> str:
    from meldkamer.domain.views import local

    shown = local(ts)
    return shown.strftime("%H:%M:%S") if shown else "-"
