"""Plain, frozen result types the services hand out (never ORM objects)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from meldkamer.config import TIMEZONE
from meldkamer.domain.source import Source

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
        out = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in getattr(value, "computed", ()):
            out[name] = _jsonable(getattr(value, name))
        return out
    return value


class View:
    """Mixin: turn a view into JSON-ready data (times as ISO 8601 UTC).

    ``computed`` names properties that the JSON carries as well as the fields.
    """

    computed: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclasses.dataclass(frozen=True)
class CallView(View):
    """One call about an incident. ``caller_number`` is E.164 (or a short number), empty
    when there is none: then ``number_state`` says why (``withheld`` or ``unknown``)."""

    at: datetime
    caller_number: str
    caller_name: str
    callback_number: str
    taken_by: str
    number_state: str = "known"


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
    unit_status_since: datetime | None = None  # while assigned: since when in unit_status

    @property
    def active(self) -> bool:
        return self.cleared_at is None


@dataclasses.dataclass(frozen=True)
class LogView(View):
    """One log line: ``text`` in English; system lines also carry template and fields.

    ``source``: who or what wrote it (None on lines from before sources were recorded).
    """

    at: datetime
    user: str
    kind: str
    text: str
    template: str | None = None
    fields: dict[str, Any] | None = None
    source: Source | None = None


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
    attention: tuple[str, ...] = ()
    """Attention flags raised and not acknowledged (``unattended``, ``overdue``), at the
    time the view was read (meldkamer.domain.attention)."""


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
class DivertCandidate(View):
    """A unit with the capability, committed to another incident, that could be diverted."""

    callsign: str
    discipline: str
    status: str
    incident: str | None
    """The incident it is busy on (None: committed without one)."""
    incident_priority: int | None
    distance_m: float | None
    travel_s: float | None = None
    routed: bool = False


SLOT_STATES = ("assigned", "proposed", "unfilled")
GAP_REASONS = ("busy", "cannot_divert", "out_of_service", "too_few", "none_on_island")
"""Why a slot is unfilled: every unit with the capability is busy on another incident
(see ``divert``), busy where it cannot be diverted (a patient aboard), out of service,
already in this turnout, or the island has none."""


@dataclasses.dataclass(frozen=True)
class TurnoutSlot(View):
    """One unit of a turnout: the capability, and who fills it (or why no one does)."""

    capability: str
    proposal: Proposal | None = None
    """The nearest available unit with the capability, when the slot is to be filled."""
    divert: tuple[DivertCandidate, ...] = ()
    """For an unfilled slot: committed units that could be diverted, the one on the least
    urgent incident first (then the nearest); never one with a patient aboard."""
    assigned: str | None = None
    """A unit already on this incident that fills the slot."""
    gap: str | None = None
    """For an unfilled slot: why (one of GAP_REASONS)."""

    computed: ClassVar[tuple[str, ...]] = ("state", "callsign")

    @property
    def state(self) -> str:
        """assigned, proposed or unfilled."""
        if self.assigned is not None:
            return "assigned"
        return "proposed" if self.proposal is not None else "unfilled"

    @property
    def callsign(self) -> str | None:
        """The unit that fills the slot (already there or proposed), None when unfilled."""
        return self.assigned or (self.proposal.callsign if self.proposal else None)

    @property
    def filled(self) -> bool:
        return self.callsign is not None


@dataclasses.dataclass(frozen=True)
class ProposalSet(View):
    """The units proposed for an incident, and the needs no available unit can meet.

    ``slots`` is the turnout, one slot per unit it sends; ``proposals`` lists the units of
    its proposed slots first (basis "needed"), then other capable units (alternatives).
    """

    number: str
    island: str
    classification: str | None
    proposals: tuple[Proposal, ...]
    unmet: tuple[str, ...]
    method: str = "straight-line distance"
    method_code: str = "straight_line"  # by_road, straight_line or no_coordinates
    slots: tuple[TurnoutSlot, ...] = ()
    plan: str | None = None
    """The class whose island plan (turnouts.toml) gives the slots; None: standard needs."""

    computed: ClassVar[tuple[str, ...]] = ("complete",)

    @property
    def gaps(self) -> tuple[TurnoutSlot, ...]:
        """The unfilled slots."""
        return tuple(s for s in self.slots if not s.filled)

    @property
    def complete(self) -> bool:
        """Every slot is filled (by a unit already there or a proposed one); False when
        there is no turnout at all (no class, or a class that sends no units)."""
        return bool(self.slots) and not self.gaps

    @property
    def to_dispatch(self) -> tuple[str, ...]:
        """The proposed units of the turnout, in slot order."""
        return tuple(s.proposal.callsign for s in self.slots if s.proposal is not None)

    def suggested_diverts(self) -> dict[str, tuple[str, ...]]:
        """The first divert candidate of each gap (from the least urgent incident, then
        the nearest), a unit at most once, by capability."""
        chosen: dict[str, list[str]] = {}
        used: set[str] = set()
        for slot in self.gaps:
            pick = next((d.callsign for d in slot.divert if d.callsign not in used), None)
            if pick is not None:
                used.add(pick)
                chosen.setdefault(slot.capability, []).append(pick)
        return {cap: tuple(units) for cap, units in chosen.items()}


@dataclasses.dataclass(frozen=True)
class TurnoutResult(View):
    """What dispatching a whole turnout did."""

    incident: IncidentView
    dispatched: tuple[str, ...]
    """Every unit dispatched, diverted ones included, in slot order."""
    diverted: tuple[str, ...]
    """The units taken from another incident."""
    unfilled: tuple[TurnoutSlot, ...]
    """The slots left unfilled (only with ``partial``), as they were at dispatch time."""


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
    """What ``audit verify`` found: ``problem`` is the first of ``problems``; rows written
    before the trail carried digests (migration 0013) are ``not_covered``, not tampered."""

    ok: bool
    events: int
    first_broken: int | None
    problem: str
    problems: tuple[str, ...] = ()
    not_covered: int = 0
    checkpoints: int = 0


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
    """E.164 (or a short number); empty when there is none (see ``number_state``)."""
    incidents: tuple[IncidentView, ...]
    calls_30_days: int
    repeat_caller: bool
    flags: tuple[FlagView, ...]
    number_state: str = "known"
    shown: str = ""
    """The number as the operator reads it ("+599 717 1234")."""


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
