"""Lookups and ORM-to-view conversions shared by the services."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from meldkamer.domain import attention, phone
from meldkamer.domain.reference import Reference
from meldkamer.domain.source import Source
from meldkamer.domain.status_machine import timer_state
from meldkamer.domain.views import (
    AssignmentView,
    CallView,
    IncidentView,
    LogView,
    StatusTime,
    UnitView,
)
from meldkamer.errors import Conflict, InvalidInput, NotFound
from meldkamer.store.models import Assignment, Incident, LogEntry, Unit, UnitStatusChange

_NUMBER = re.compile(r"^([A-Z]{3})-(\d{4})-(\d{1,6})$")


def normalise_number(text: str) -> str:
    """'bon-2026-42' -> 'BON-2026-000042'; anything else is refused clearly."""
    m = _NUMBER.match(text.strip().upper())
    if not m:
        raise InvalidInput("{text!r} is not an incident number (like BON-2026-000042)",
                           text=text)
    return f"{m.group(1)}-{m.group(2)}-{int(m.group(3)):06d}"


def load_incident(session: Session, number: str) -> Incident:
    """The incident with this number, with calls and assignments loaded."""
    inc = session.execute(
        select(Incident)
        .where(Incident.number == normalise_number(number))
        .options(
            selectinload(Incident.calls),
            selectinload(Incident.assignments).selectinload(Assignment.unit),
        )
    ).scalar_one_or_none()
    if inc is None:
        raise NotFound("no incident {number}", number=normalise_number(number))
    return inc


def load_unit(session: Session, callsign: str) -> Unit:
    """The unit with this callsign (case-insensitive)."""
    unit = session.execute(
        select(Unit).where(Unit.callsign == callsign.strip().upper())
        .options(joinedload(Unit.station), joinedload(Unit.incident))
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound("no unit with callsign {callsign!r}", callsign=callsign.strip().upper())
    return unit


def check_version(what: str, current: int, expected: int | None) -> None:
    """Refuse a change based on an outdated read of the object."""
    if expected is not None and expected != current:
        raise Conflict(
            "{what} was changed by someone else (version {current}, you had {expected}); "
            "nothing was overwritten, reload and try again",
            what=what, current=current, expected=expected,
        )


def assess(ref: Reference, inc: Incident, now: datetime) -> attention.Attention:
    """An incident's attention flags at ``now`` (its assignments and units loaded)."""
    return attention.assess(
        ref, state=inc.state, priority=inc.priority, urgency=inc.urgency,
        created_at=inc.created_at,
        units=[attention.UnitOnIncident(a.unit.callsign, a.dispatched_at, a.cleared_at,
                                        a.unit.status, a.unit.status_since)
               for a in inc.assignments],
        acknowledged={"unattended": inc.unattended_ack_at, "overdue": inc.overdue_ack_at},
        now=now)


def log_source(entry: LogEntry) -> Source | None:
    """The stored source of a log line; None for lines from before sources were kept."""
    if entry.source_kind is None:
        return None
    return Source.from_data({"kind": entry.source_kind, "user": entry.user,
                             "detail": entry.source_detail or ""})


def incident_view(
    session: Session, inc: Incident, ref: Reference, *, detail: bool = False,
    last_status_at: datetime | None = None, now: datetime | None = None,
) -> IncidentView:
    """A plain view of an incident; ``detail`` adds the log and per-status unit times.

    With ``now`` the view carries the attention flags at that time.
    """
    times: dict[int, list[StatusTime]] = defaultdict(list)
    log: tuple[LogView, ...] = ()
    if detail:
        for ch in session.execute(
            select(UnitStatusChange)
            .where(UnitStatusChange.incident_id == inc.id)
            .order_by(UnitStatusChange.id)
        ).scalars():
            times[ch.unit_id].append(StatusTime(ch.to_status, ch.at))
        log = tuple(
            LogView(e.at, e.user, e.kind, e.text, e.template, e.fields, log_source(e))
            for e in session.execute(
                select(LogEntry).where(LogEntry.incident_id == inc.id).order_by(LogEntry.id)
            ).scalars()
        )
    cls = ref.classifications.get(inc.classification or "")
    dup = None
    if inc.duplicate_of_id is not None:
        dup = session.get(Incident, inc.duplicate_of_id)
    return IncidentView(
        id=inc.id,
        number=inc.number,
        island=inc.island,
        state=inc.state,
        location_state=inc.location_state,
        lat=inc.lat,
        lon=inc.lon,
        address=inc.address,
        classification=inc.classification,
        # Dutch, as before: the SDS to units and scripts read it; screens use names.py.
        classification_name=cls.path(ref, "nl") if cls else "",
        priority=inc.priority,
        urgency=inc.urgency,
        created_at=inc.created_at,
        updated_at=inc.updated_at,
        closed_at=inc.closed_at,
        disposition=inc.disposition,
        duplicate_of=dup.number if dup else None,
        version=inc.version,
        calls=tuple(
            CallView(c.at, caller.number, c.caller_name, c.callback_number, c.taken_by,
                     number_state=caller.state)
            for c in inc.calls for caller in (phone.stored(c.caller_number),)
        ),
        assignments=tuple(
            AssignmentView(
                callsign=a.unit.callsign,
                discipline=a.unit.discipline,
                unit_status=a.unit.status if a.cleared_at is None else "cleared",
                dispatched_at=a.dispatched_at,
                cleared_at=a.cleared_at,
                dispatched_by=a.dispatched_by,
                override_reason=a.override_reason,
                unit_status_since=a.unit.status_since if a.cleared_at is None else None,
                times=tuple(
                    t for t in times.get(a.unit_id, ())
                    if a.dispatched_at <= t.at and (a.cleared_at is None or t.at <= a.cleared_at)
                ),
            )
            for a in inc.assignments
        ),
        log=log,
        disciplines=_disciplines(ref, inc, cls.needs if cls else ()),
        last_status_at=last_status_at,
        attention=assess(ref, inc, now).codes if now is not None else (),
    )


def _disciplines(ref: Reference, inc: Incident, needs: tuple[str, ...]) -> tuple[str, ...]:
    found = set(ref.disciplines_for(needs)) | {a.unit.discipline for a in inc.assignments}
    return tuple(d for d in ref.disciplines if d in found)


def unit_view(unit: Unit, ref: Reference, now: datetime) -> UnitView:
    """A plain view of a unit, with its status timer at ``now``."""
    return UnitView(
        id=unit.id,
        callsign=unit.callsign,
        name=unit.name,
        discipline=unit.discipline,
        capabilities=tuple(unit.capabilities),
        station=unit.station.code if unit.station else None,
        island=unit.island,
        issi=unit.issi,
        status=unit.status,
        status_since=unit.status_since,
        incident=unit.incident.number if unit.incident else None,
        lat=unit.lat,
        lon=unit.lon,
        demo=unit.demo,
        version=unit.version,
        timer=timer_state(ref, unit.status, unit.status_since, now),
    )
