"""Plain, frozen result types the services hand out (never ORM objects)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from meldkamer.config import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)


def local(ts: datetime | None) -> datetime | None:
    """A UTC time as shown in the control room (America/Kralendijk)."""
    return ts.astimezone(LOCAL) if ts is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


class View:
    """Mixin: turn a view into JSON-ready data (times as ISO 8601 UTC)."""

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclasses.dataclass(frozen=True)
class CallView(View):
    at: datetime
    caller_number: str
    caller_name: str
    callback_number: str
    taken_by: str


@dataclasses.dataclass(frozen=True)
class StatusTime(View):
    status: str
    at: datetime


@dataclasses.dataclass(frozen=True)
class AssignmentView(View):
    callsign: str
    discipline: str
    unit_status: str
    dispatched_at: datetime
    cleared_at: datetime | None
    dispatched_by: str
    override_reason: str
    times: tuple[StatusTime, ...] = ()

    @property
    def active(self) -> bool:
        return self.cleared_at is None


@dataclasses.dataclass(frozen=True)
class LogView(View):
    """One log line: ``text`` in English; system lines also carry template and fields."""

    at: datetime
    user: str
    kind: str
    text: str
    template: str | None = None
    fields: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class IncidentView(View):
    id: int
    number: str
    island: str
    state: str
    location_state: str
    lat: float | None
    lon: float | None
    address: str
    classification: str | None
    classification_name: str
    priority: int
    urgency: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    disposition: str | None
    duplicate_of: str | None
    version: int
    calls: tuple[CallView, ...] = ()
    assignments: tuple[AssignmentView, ...] = ()
    log: tuple[LogView, ...] = ()
    disciplines: tuple[str, ...] = ()
    last_status_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class UnitView(View):
    id: int
    callsign: str
    name: str
    discipline: str
    capabilities: tuple[str, ...]
    station: str | None
    island: str
    issi: int | None
    status: str
    status_since: datetime
    incident: str | None
    lat: float | None
    lon: float | None
    demo: bool
    version: int
    timer: str = "none"
    """The status timer when the view was read: none, ok, overdue or escalated."""


@dataclasses.dataclass(frozen=True)
class Proposal(View):
    """A unit proposed for an incident, with the reason it was chosen."""

    callsign: str
    discipline: str
    capability: str
    distance_m: float | None
    status: str
    reason: str
    rank: int
    travel_s: float | None = None
    routed: bool = False
    basis: str = "needed"  # needed, alternative or unclassified (the reason, as a code)


@dataclasses.dataclass(frozen=True)
class ProposalSet(View):
    """The units proposed for an incident, and the needs no available unit can meet."""

    number: str
    island: str
    classification: str | None
    proposals: tuple[Proposal, ...]
    unmet: tuple[str, ...]
    method: str = "straight-line distance"
    method_code: str = "straight_line"  # by_road, straight_line or no_coordinates


@dataclasses.dataclass(frozen=True)
class SearchHit(View):
    number: str
    island: str
    state: str
    at: datetime
    kind: str
    text: str


@dataclasses.dataclass(frozen=True)
class AuditReport(View):
    ok: bool
    events: int
    first_broken: int | None
    problem: str


@dataclasses.dataclass(frozen=True)
class FlagView(View):
    kind: str
    note: str
    created_at: datetime
    created_by: str


@dataclasses.dataclass(frozen=True)
class CallerHistory(View):
    """What the control room knows about a caller's number."""

    number: str
    incidents: tuple[IncidentView, ...]
    calls_30_days: int
    repeat_caller: bool
    flags: tuple[FlagView, ...]


@dataclasses.dataclass(frozen=True)
class NearbyIncident(View):
    incident: IncidentView
    distance_m: float


@dataclasses.dataclass(frozen=True)
class DuplicateCandidate(View):
    """An active incident a new call may be about, and why."""

    number: str
    reason: str
    distance_m: float | None
    classification: str | None
    basis: str = "nearby"  # same_caller or nearby (the reason, as a code)


@dataclasses.dataclass(frozen=True)
class AlarmView(View):
    """An emergency raised by a unit."""

    id: int
    callsign: str
    kind: str
    raised_at: datetime
    lat: float | None
    lon: float | None
    incident: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
